"""Probe real gateways (the peers) fronted by the emulated upstreams: `python -m peers.run [--peer NAME] [--record]`.

With `--record` (what `tox -e peers` runs), for each peer: install it pinned into `.peers/` (peers/<peer>/install.sh),
start the emulated upstreams and the peer on the ports its targets file names, run `gateway-conformance probe
--record` over every route into `cassettes/peers/<peer>/` (reports in `.peers/reports/<peer>/`), write
`docs/peers/<peer>.md`, and stop everything it started, also on error or Ctrl-C. Peers run side by side, each
with its own upstreams; the routes of one peer run one after another, so each probe's journal holds its own
requests only. A peer that is on no package registry (otari: `$OTARI_SRC`, else a local mirror) is skipped, in one line
saying what is missing, where its source is not here; the others are recorded.

Without `--record` nothing is installed or started: the committed cassettes are replayed and the pages rewritten.

`peers/<peer>/expected.yaml` is the hand-checked verdict file; a run never overwrites it. It writes a draft beside
the reports (`.peers/reports/<peer>/expected.yaml`, the explanations already checked carried over, new fails marked
TODO) and prints how the run differs from the committed expectations; `--update-expected` copies the draft over.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
PEERS_DIR = ROOT / ".peers"
CASSETTES = ROOT / "cassettes" / "peers"
DOCS = ROOT / "docs" / "peers"
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Peer:
    name: str
    title: str
    version: str
    health: str  # path on the peer that answers once it is up
    routes: str  # one line: what the routes are
    start_timeout: float = 120.0
    # (probe ID prefix, why) for what targets.yaml excludes: the page's "Not probed, and why"
    not_probed: tuple[tuple[str, str], ...] = ()
    unavailable: str = ""  # set when the peer cannot run here: why (its page and summary row say so)
    # For a peer whose source is not on a package registry: "" when its install.sh will find the source, else the
    # one-line reason why not (then `--record` skips the peer, saying so, and records the others).
    source: Callable[[], str] = lambda: ""
    # What it fronts: "emulators" (the emulated upstreams, `python -m emulators`) or "real" (a real language model,
    # `python -m real_model`: its journal and checks are the emulators', its answers a real model's).
    upstream: str = "emulators"

    @property
    def folder(self) -> Path:
        return HERE / self.name

    @property
    def targets_file(self) -> Path:
        return self.folder / "targets.yaml"

    @property
    def expected_file(self) -> Path:
        return self.folder / "expected.yaml"

    def targets(self) -> dict[str, Any]:
        return yaml.safe_load(self.targets_file.read_text()) or {}

    def urls(self) -> tuple[str, str]:
        """The peer's root URL and the upstreams' root URL, as the targets file names them."""
        defaults = self.targets().get("defaults") or {}
        base = urlsplit(str(defaults["base_url"]))
        return f"{base.scheme}://{base.netloc}", str(defaults["upstream_journal"]).rstrip("/")


_OVERSIZED = (
    "errors.request.oversized",
    "its 20 MB request body would be kept in the cassette and again in the upstream journal (about 60 MB per route), "
    "too large to commit",
)

PEERS_NOT_PROBED_LLAMASTACK = (
    _OVERSIZED,
    (
        "errors.auth",
        "no auth provider is configured (llama-stack's need an OAuth/JWKS or custom auth endpoint), so "
        "llama-stack accepts any key and none: these probes would judge the configuration, not llama-stack",
    ),
)

OTARI_COMMIT = "0e2634c37d278bdb4a85645a492ef559d93ed2e5"  # peers/otari/install.sh pins the same
OTARI_MIRROR = Path("/work/.mirror/mozilla-ai+otari/repo")


def _has_commit(repo: Path, commit: str) -> bool:
    try:
        check = subprocess.run(
            ["git", "-C", str(repo), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True, check=False
        )
    except OSError:  # no git
        return False
    return check.returncode == 0


def _otari_source() -> str:
    """Where peers/otari/install.sh takes otari's source from ($OTARI_SRC, else the local mirror): "" if there, else
    why not. otari is not on a package registry (PyPI's `otari` is its client SDK; the gateway is unpublished)."""
    given = os.environ.get("OTARI_SRC", "")
    if given:
        path = Path(given)
        if path.is_file() or (path / "pyproject.toml").is_file() or _has_commit(path, OTARI_COMMIT):
            return ""
        return f"OTARI_SRC={given} is neither a checkout, a git repository holding {OTARI_COMMIT}, nor an archive"
    if _has_commit(OTARI_MIRROR, OTARI_COMMIT):
        return ""
    return (
        f"no source of otari {OTARI_COMMIT[:8]} (not on a package registry): set OTARI_SRC to a checkout, git "
        f"repository or archive of github.com/mozilla-ai/otari, or mirror it at {OTARI_MIRROR}"
    )


PEERS: dict[str, Peer] = {
    p.name: p
    for p in (
        Peer(
            "litellm",
            "LiteLLM proxy",
            "1.108.7",
            "/health/liveliness",
            "OpenAI Responses (native), Groq-style chat, Anthropic Messages, Gemini generateContent",
            not_probed=(_OVERSIZED,),
        ),
        Peer(
            "portkey",
            "Portkey gateway",
            "1.15.2",
            "/",
            "OpenAI Responses (native); Groq-style chat, Anthropic Messages, Gemini (chat providers)",
            not_probed=(_OVERSIZED,),
        ),
        Peer(
            "llamastack",
            "llama-stack",
            "0.7.3",
            "/v1/health",
            "its own /v1/responses, translated to OpenAI-style chat completions (remote::openai)",
            not_probed=PEERS_NOT_PROBED_LLAMASTACK,
        ),
        Peer(
            "otari",
            "otari (mozilla-ai's any-llm gateway)",
            "0e2634c3 (main, unreleased)",
            "/health",
            "its /v1/responses forwarded to OpenAI's (provider `openai`, native) and to an OpenAI-compatible "
            "instance (Groq-style key); nothing is translated to chat",
            not_probed=(_OVERSIZED,),
            source=_otari_source,
        ),
        Peer(
            "reference-real",
            "reference gateway, real model",
            "0.1.0",
            "/health",
            "its chat-translated route (OpenAI-style chat) in front of a real model, SmolLM2-135M-Instruct "
            "(real_model/)",
            not_probed=(_OVERSIZED,),
            upstream="real",
        ),
        Peer(
            "reference-real-native",
            "reference gateway (native route), real model",
            "0.1.0",
            "/health",
            "its native route (/v1/responses forwarded) in front of a real model, SmolLM2-135M-Instruct, behind the "
            "real upstream's own Responses API (real_model/)",
            not_probed=(_OVERSIZED,),
            upstream="real",
        ),
        Peer(
            "llamastack-real",
            "llama-stack, real model",
            "0.7.3",
            "/v1/health",
            "its own /v1/responses over OpenAI-style chat (remote::openai, as llamastack-openai-chat) in front of a "
            "real model, SmolLM2-135M-Instruct (real_model/)",
            not_probed=PEERS_NOT_PROBED_LLAMASTACK,
            upstream="real",
        ),
        Peer(
            "litellm-real",
            "LiteLLM proxy, real model",
            "1.108.7",
            "/health/liveliness",
            "one OpenAI-style chat route (as litellm-groq) in front of a real model, SmolLM2-135M-Instruct "
            "(real_model/)",
            not_probed=(_OVERSIZED,),
            upstream="real",
        ),
    )
}


def log(peer: str, message: str) -> None:
    print(f"[peers:{peer}] {message}", flush=True)


# ---------------------------------------------------------------------------------------------------- processes


def _port_free(url: str) -> bool:
    try:
        httpx.get(url, timeout=1.0)
    except httpx.TransportError:
        return True
    return False


_RUNNING: set[subprocess.Popen[bytes]] = set()
_LOCK = threading.Lock()


def child_env() -> dict[str, str]:
    """The environment a peer's scripts run in: this one without the project's own lock. tox sets PIP_CONSTRAINT to
    requirements/constraints.txt for the harness's environment; a peer's virtual environment is pinned by its own
    peers/<peer>/constraints.txt, and the two conflict (each pins openai, httpx, ... at other versions)."""
    env = {name: value for name, value in os.environ.items() if name != "PIP_CONSTRAINT"}
    env["PEERS_HARNESS_PYTHON"] = sys.executable  # the interpreter that has this project (the real model's scripts)
    return env


def _spawn(argv: Sequence[str], out: Any) -> subprocess.Popen[bytes]:
    """A child in its own process group (so that stopping it stops what it started), remembered until stopped."""
    proc = subprocess.Popen(
        list(argv),
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        start_new_session=True,
        env=child_env(),
    )
    with _LOCK:
        _RUNNING.add(proc)
    return proc


def stop_all() -> None:
    with _LOCK:
        procs = list(_RUNNING)
    for proc in procs:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and everything it started."""
    try:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            except ProcessLookupError:
                pass
    finally:
        with _LOCK:
            _RUNNING.discard(proc)


@contextmanager
def started(
    peer: str, what: str, argv: Sequence[str], health_url: str, log_file: Path, timeout: float
) -> Iterator[None]:
    """Run `argv` in its own process group (output to `log_file`) until `health_url` answers; stop it on exit."""
    if not _port_free(health_url):
        raise RuntimeError(
            f"{health_url} already answers: something else holds that port (stop it, or change the ports)"
        )
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("wb") as out:
        proc = _spawn(argv, out)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                tail = log_file.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{what} exited with code {proc.returncode} before it answered; its log:\n{tail}")
            try:
                httpx.get(health_url, timeout=2.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{what} did not answer at {health_url} within {timeout:.0f}s") from None
                time.sleep(0.25)
        log(peer, f"{what} up ({health_url}), log {log_file.relative_to(ROOT)}")
        yield
    finally:
        _stop(proc)
        log(peer, f"{what} stopped")


def install(peer: Peer) -> None:
    log_file = PEERS_DIR / "logs" / f"{peer.name}-install.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log(peer.name, f"installing {peer.title} {peer.version} (log {log_file.relative_to(ROOT)})")
    started_at = time.monotonic()
    with log_file.open("wb") as out:
        proc = _spawn(["bash", str(peer.folder / "install.sh"), str(PEERS_DIR)], out)
        try:
            code = proc.wait()
        finally:
            _stop(proc)
    if code:
        tail = log_file.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"installing {peer.name} failed ({code}):\n{tail}")
    log(peer.name, f"installed in {time.monotonic() - started_at:.0f}s")


def probe(peer: Peer, *, record: bool) -> int:
    reports = PEERS_DIR / "reports" / peer.name
    cassettes = CASSETTES / peer.name
    argv = [sys.executable, "-m", "harness.cli", "probe", "--targets", str(peer.targets_file)]
    # -j 1: the routes one after another, so that each probe's upstream journal holds its own requests only.
    argv += ["--cassette-dir", str(cassettes), "--report-dir", str(reports), "--quiet", "-j", "1"]
    if record:
        if cassettes.exists():
            shutil.rmtree(cassettes)  # a probe gone from the catalogue must not leave its old cassette
        argv.append("--record")
    else:
        # Only what was recorded and checked: probes added to the catalogue since have no cassette yet.
        argv.append("--replay")
        if peer.expected_file.exists():
            expected = yaml.safe_load(peer.expected_file.read_text()) or {}
            ids = sorted({probe_id for probes in (expected.get("targets") or {}).values() for probe_id in probes})
            for probe_id in ids:
                argv += ["--probe", probe_id]
    log_file = PEERS_DIR / "logs" / f"{peer.name}-probe.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log(peer.name, f"probing ({'recording' if record else 'replaying'}), log {log_file.relative_to(ROOT)}")
    with log_file.open("wb") as out:
        proc = _spawn(argv, out)
        try:
            code = proc.wait()
        finally:
            _stop(proc)
    if not (reports / "report.json").exists():
        raise RuntimeError(f"probing {peer.name} wrote no report (exit {code}); see {log_file}")
    return code


def run_peer(peer: Peer, *, record: bool) -> None:
    started_at = time.monotonic()
    if record:
        install(peer)
        peer_url, upstream_url = peer.urls()
        logs = PEERS_DIR / "logs"
        upstream_port = str(urlsplit(upstream_url).port)
        peer_port = str(urlsplit(peer_url).port)
        with ExitStack() as stack:
            module, what = (
                ("real_model", "real model") if peer.upstream == "real" else ("emulators", "emulated upstreams")
            )
            stack.enter_context(
                started(
                    peer.name,
                    what,
                    [sys.executable, "-m", module, "--host", "127.0.0.1", "--port", upstream_port],
                    upstream_url + "/_journal",
                    logs / f"{peer.name}-upstreams.log",
                    60,
                )
            )
            stack.enter_context(
                started(
                    peer.name,
                    f"{peer.title} {peer.version}",
                    ["bash", str(peer.folder / "launch.sh"), upstream_url, peer_port, str(PEERS_DIR)],
                    peer_url + peer.health,
                    logs / f"{peer.name}-server.log",
                    peer.start_timeout,
                )
            )
            probe(peer, record=True)
    else:
        probe(peer, record=False)
    report = json.loads((PEERS_DIR / "reports" / peer.name / "report.json").read_text())
    if not record and peer.expected_file.exists():
        # `--probe ID` also matches the probes under ID: keep exactly those recorded and checked.
        listed = (yaml.safe_load(peer.expected_file.read_text()) or {}).get("targets") or {}
        report["results"] = [r for r in report["results"] if r["probe"] in (listed.get(r["target"]) or {})]
    from peers.pages import draft_expected

    draft, differences = draft_expected(peer, report, recorded=record)
    draft_path = PEERS_DIR / "reports" / peer.name / "expected.yaml"
    draft_path.write_text(draft)
    log(peer.name, f"draft expectations {draft_path.relative_to(ROOT)}")
    for line in differences:
        log(peer.name, "differs from expected.yaml: " + line)
    if peer.upstream == "real" and record:
        blamed = newly_blamed(peer, report)
        if blamed:
            raise RuntimeError(
                f"{len(blamed)} verdicts blame the gateway where expected.yaml does not: " + "; ".join(blamed)
            )
    log(peer.name, f"done in {time.monotonic() - started_at:.0f}s")


def newly_blamed(peer: Peer, report: dict[str, Any]) -> list[str]:
    """A real-model run's verdicts that blame the gateway (fail, non-strict) where the committed expectations do not.
    What the model chose may move between pass and model-limited from one machine to the next; a gateway's
    defect may not come or go."""
    from peers.pages import expected_outcome, load_expected

    listed = load_expected(peer).get("targets") or {}
    blamed = []
    for result in report["results"]:
        entry = (listed.get(result["target"]) or {}).get(result["probe"])
        before = expected_outcome(entry) if entry is not None else None
        if result["outcome"] in ("fail", "non-strict") and before != result["outcome"]:
            blamed.append(f"{result['target']} {result['probe']}: {result['outcome']} ({result['message'][:120]})")
    return blamed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m peers.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--peer", action="append", choices=sorted(PEERS), help="a peer (repeatable; default: all)")
    parser.add_argument("--record", action="store_true", help="install, start and record (else: replay the cassettes)")
    parser.add_argument(
        "--update-expected", action="store_true", help="write the draft over peers/<peer>/expected.yaml"
    )
    parser.add_argument("--serial", action="store_true", help="one peer after another (default: side by side)")
    args = parser.parse_args(argv)
    peers = [PEERS[name] for name in (args.peer or PEERS)]
    for peer in [p for p in peers if p.unavailable]:
        log(peer.name, f"not run: {peer.unavailable}")
    peers = [p for p in peers if not p.unavailable]
    # Recording needs each peer's source; a peer whose source is not here is skipped (the others are recorded), and
    # its committed cassettes and pages stay as they are. Replaying needs the cassettes only.
    missing = {p.name: why for p in peers if args.record and (why := p.source())}
    for name, why in missing.items():
        log(name, f"skipped: {why}")
    peers = [p for p in peers if p.name not in missing]
    # A SIGTERM (tox, CI) unwinds like Ctrl-C, so every `finally` stops what it started.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    started_at = time.monotonic()
    errors: dict[str, BaseException] = {}

    def one(peer: Peer) -> None:
        try:
            run_peer(peer, record=args.record)
        except Exception as exc:  # reported below; the other peers go on
            errors[peer.name] = exc

    try:
        if args.serial or len(peers) == 1:
            for peer in peers:
                one(peer)
        else:
            threads = [threading.Thread(target=one, args=(p,), name=p.name, daemon=True) for p in peers]
            for thread in threads:
                thread.start()
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.5)
    except KeyboardInterrupt:
        print("[peers] interrupted: stopping everything started", file=sys.stderr, flush=True)
        stop_all()
        return 130
    finally:
        stop_all()
    if args.update_expected:
        for peer in peers:
            if peer.name not in errors:
                shutil.copy(PEERS_DIR / "reports" / peer.name / "expected.yaml", peer.expected_file)
    # The pages, from the committed cassettes and expectations only (what tests/peers/test_peer_pages.py regenerates).
    from peers.pages import main as write_pages

    write_pages([])
    print(
        f"[peers] {len(peers) - len(errors)}/{len(peers)} peers done in {time.monotonic() - started_at:.0f}s",
        flush=True,
    )
    for name, exc in errors.items():
        print(f"[peers] {name} FAILED: {exc}", file=sys.stderr, flush=True)
    # A peer named with --peer that could not be recorded is an error; one skipped from `tox -e peers` is not.
    return 1 if errors or (args.peer and missing) else 0


if __name__ == "__main__":
    raise SystemExit(main())
