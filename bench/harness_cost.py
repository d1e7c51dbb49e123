"""What the harness itself costs: a live run of the catalogue on one route, `tox -e probe`'s whole run (every
route, every probe), a replay of every committed cassette, where the time goes (the probes, the judge, reading
cassettes, starting the process), and what the pytest plugin adds to a session that does not use it."""

from __future__ import annotations

import asyncio
import os
import statistics
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


def probe_run(runs: int = 2) -> dict[str, float]:
    """`gateway-conformance probe` as `tox -e probe` runs it: the reference gateway and its upstreams started, every
    route probed with the whole catalogue, reports written. Wall seconds of each run (the environment warm)."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            times.append(_cli("probe", "--quiet", "--report-dir", out))
    return {"runs": runs, "seconds": min(times), "seconds_each": times}  # type: ignore[dict-item]


PLAIN_TEST = "def test_nothing():\n    assert True\n"


def plugin_cost(rounds: int = 7) -> dict[str, float]:
    """What a pytest session that does not pass --gateway-url pays for the plugin (auto-loaded wherever the package
    is installed): the median wall time of a one-test session with it, less the same session with `-p no:...`."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "test_plain.py").write_text(PLAIN_TEST)
        base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_plain.py"]

        def session(*extra: str) -> float:
            started = time.perf_counter()
            subprocess.run([*base, *extra], check=True, capture_output=True, cwd=tmp)
            return time.perf_counter() - started

        session()  # warm the file cache
        with_plugin, without = [], []
        for _ in range(rounds):  # interleaved, so a drift of the host weighs on both alike
            with_plugin.append(session())
            without.append(session("-p", "no:gateway_conformance"))
    added = statistics.median(with_plugin) - statistics.median(without)
    return {
        "rounds": rounds,
        "with_ms": statistics.median(with_plugin) * 1000,
        "without_ms": statistics.median(without) * 1000,
        "added_ms": added * 1000,
    }
