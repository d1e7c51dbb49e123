"""What the harness itself costs: a live run of the catalogue on one route, a replay of every committed cassette,
and where the time goes (the probes, the judge, reading cassettes, starting the process)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.judge import judge_exchanges
from harness.local import MASTER_KEY
from harness.model import Strictness
from harness.wire import load_exchanges

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "harness.cli", *args], check=False, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def process_start() -> float:
    """Seconds to start Python and import the harness's CLI (what every run pays before its first probe)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import harness.cli"], check=True, cwd=ROOT)
    return time.perf_counter() - started


def replay_all() -> dict[str, float]:
    """A replay of every committed cassette of the reference routes, then the same cassettes read and judged alone."""
    with tempfile.TemporaryDirectory() as out:
        total = _cli(
            "probe", "--targets", "reference", "--replay", "--cassette-dir", "cassettes", "--report-dir", out, "--quiet"
        )
    cassettes = sorted((ROOT / "cassettes").glob("reference-*/*.yaml"))
    started = time.perf_counter()
    loaded = [load_exchanges(path) for path in cassettes]
    read = time.perf_counter() - started
    started = time.perf_counter()
    for exchanges in loaded:
        judge_exchanges(exchanges, Strictness.OPENAI)
    judged = time.perf_counter() - started
    return {"seconds": total, "cassettes": len(cassettes), "cassette_io_seconds": read, "judge_seconds": judged}


def live_route(gateway_v1: str, target: str = "reference-native") -> dict[str, float]:
    """The whole catalogue, live, on one route of an already running gateway; the probes' own time summed."""
    from harness.probes import CATALOGUE
    from harness.runner import run_target
    from harness.targets import load_targets_file

    os.environ.setdefault("GATEWAY_MASTER_KEY", MASTER_KEY)  # the key the reference targets read
    chosen = next(t for t in load_targets_file("reference", base_url=gateway_v1) if t.name == target)
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        verdicts = asyncio.run(run_target(CATALOGUE, chosen, cassette_dir=Path(out)))
        total = time.perf_counter() - started
    waits = sum(v.duration_ms for v in verdicts if v.probe == "faults.upstream_hang") / 1000
    return {
        "seconds": total,
        "seconds_without_hang": total - waits,  # the hang probe waits out the gateway's read timeout by design
        "probes": len(verdicts),
        "probe_seconds": sum(v.duration_ms for v in verdicts) / 1000,
        "failed": sum(v.outcome.value == "fail" for v in verdicts),
    }
