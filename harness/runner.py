"""Run probes against targets: cassette -> probe.run(ctx) -> wire judge -> Verdict.

vcrpy patches the HTTP clients process-wide, so probes run one at a time in a process; `run_all` spreads targets
over worker processes (by default one per target, up to MAX_JOBS).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import multiprocessing
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openai
from vcr.errors import CannotOverwriteExistingCassetteException

from harness import upstream_journal, websocket
from harness.cassettes import cassette_path, recorder
from harness.context import ProbeContext, quiet_agents_sdk
from harness.derive import derive_cassette, significant
from harness.derive.model import Kind
from harness.judge import judge_exchanges
from harness.model import (
    Behaviour,
    Expect,
    Finding,
    Level,
    Observed,
    Outcome,
    Probe,
    ProbeFailure,
    ProbeSkip,
    Rejection,
    Strictness,
    Verdict,
)
from harness.targets import Target
from harness.wire import load_exchanges

PROBE_TIMEOUT = 120.0
MAX_JOBS = 8
# What a worker needs imported (the SDKs, the catalogue, the judge: about 3 s of CPU that a spawned worker would pay
# again). A caller with no other thread (the CLI) forks its workers, which inherit all of it; a caller running
# threads (a test serving a gateway in one) must not fork them, and gets a fork server that imported it once.
PRELOAD = ["harness.runner", "harness.probes", "harness.judge"]


def _mp_context() -> multiprocessing.context.BaseContext:
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def _failure_text(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, openai.APIStatusError):
        return (
            f"unexpected HTTP {exc.status_code} from the gateway",
            f"HTTP {exc.status_code} {exc.response.text[:300]}",
        )
    if isinstance(exc, CannotOverwriteExistingCassetteException):
        return "replay: the probe made a request the cassette does not hold", str(exc).splitlines()[0][:300]
    if isinstance(exc, (openai.APIConnectionError, openai.APITimeoutError)):
        return "the gateway could not be reached or timed out", repr(exc)[:300]
    if isinstance(exc, TimeoutError):
        return f"the probe did not finish within {PROBE_TIMEOUT:.0f}s", "timeout"
    return f"the probe raised {type(exc).__name__}", str(exc)[:300]


def decide(expectation: Expect, observed: Observed) -> tuple[Outcome, str]:
    """The table in docs/ARCHITECTURE.md: expectation x observation -> outcome."""
    if observed is Observed.SUPPORTED:
        if expectation is Expect.REJECTED:
            return Outcome.FAIL, "the gateway accepted a feature this target must reject"
        return Outcome.PASS, ""
    if expectation is Expect.SUPPORTED:
        return Outcome.FAIL, "the gateway rejected a feature this target must support"
    return Outcome.PASS_REJECTED, ""


def evidence_path(cassette: Path) -> Path:
    """Where what vcrpy cannot record (websocket frames) is kept, beside the cassette."""
    return cassette.with_name(cassette.stem + ".evidence.json")


async def run_probe(
    probe: Probe,
    target: Target,
    *,
    cassette_dir: Path,
    record_mode: str = "all",
    replay: bool = False,
    allow_missing: bool = False,
    strictness: Strictness = Strictness.OPENAI,
) -> Verdict:
    """One probe against one target. Under `replay` a missing cassette is a failure, unless `allow_missing` (then a
    skip); a probe that skips before making any request (it does not apply to the target) skips either way."""
    quiet_agents_sdk()  # at run time, never on import (see harness.pytest_plugin)
    path = cassette_path(cassette_dir, target.name, probe.id)
    verdict = Verdict(
        target.name, probe.id, probe.level, Outcome.PASS, requirement=probe.requirement, cassette=str(path)
    )
    evidence: dict[str, Any] = {}
    missing = replay and not path.exists()
    if replay:
        record_mode = "none"
        if evidence_path(path).exists():
            evidence = json.loads(evidence_path(path).read_text())
    else:
        if record_mode == "all":
            path.unlink(missing_ok=True)
            evidence_path(path).unlink(missing_ok=True)
            upstream_journal.journal_path(path).unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    ctx = ProbeContext(probe, target, replay=replay, evidence=evidence)
    verdict.extra["expectation"] = ctx.expectation.value
    journal_mark = upstream_journal.mark(target.upstream_journal) if target.upstream_journal and not replay else None
    started = time.monotonic()
    with recorder(record_mode, secrets=[target.key()]).use_cassette(str(path)), warnings.catch_warnings():
        # The openai SDK's unions warn when dumping item types they do not model; that is not the gateway's doing.
        warnings.filterwarnings("ignore", message="Pydantic serializer warnings")
        try:
            result = await asyncio.wait_for(probe.run(ctx), PROBE_TIMEOUT)
            observed = Observed.REJECTED if isinstance(result, Rejection) else result
            verdict.rejection = result if isinstance(result, Rejection) else None
            verdict.behaviour = Behaviour.REJECTED if verdict.rejection else Behaviour.WORKS
            verdict.outcome, verdict.message = decide(ctx.expectation, observed)
            if verdict.outcome is Outcome.FAIL:
                verdict.expected = ctx.expectation.value
                verdict.received = str(verdict.rejection) if verdict.rejection else observed.value
        except ProbeFailure as exc:
            verdict.outcome, verdict.message, verdict.behaviour = Outcome.FAIL, exc.message, Behaviour.BROKEN
            verdict.expected, verdict.received, verdict.where = exc.expected, exc.received, exc.where
        except ProbeSkip as exc:
            verdict.outcome, verdict.message, verdict.behaviour = Outcome.SKIP, str(exc), Behaviour.SKIPPED
        except Exception as exc:
            verdict.outcome, verdict.behaviour = Outcome.FAIL, Behaviour.BROKEN
            verdict.message, verdict.received = _failure_text(exc)
        finally:
            await ctx.close()
    verdict.duration_ms = int((time.monotonic() - started) * 1000)
    verdict.extra["notes"] = {k: v for k, v in ctx.notes.items() if isinstance(v, (str, int, float, bool))}
    if missing and verdict.outcome is not Outcome.SKIP:
        # The probe needed requests the run does not hold: nothing was observed, and CI must not read that as a pass.
        verdict.behaviour, verdict.expected, verdict.received, verdict.where = Behaviour.SKIPPED, "", "", ""
        verdict.outcome = Outcome.SKIP if allow_missing else Outcome.FAIL
        verdict.message = f"no cassette at {path} (replay)"
        return verdict
    if target.upstream_journal and journal_mark is not None:
        upstream_journal.keep(target.upstream_journal, journal_mark, path)
    if not replay and ctx.evidence:
        evidence_path(path).write_text(json.dumps(ctx.evidence, indent=1) + "\n")
    if verdict.outcome is not Outcome.SKIP:
        if verdict.outcome is Outcome.FAIL:
            verdict.check, verdict.check_received = verdict.message, verdict.received
            verdict.causes = _derived_causes(path)
            if verdict.causes:
                verdict.message += "; the upstream journal shows: " + "; ".join(verdict.causes)
        recorded = load_exchanges(path)
        frames = websocket.exchanges(ctx.evidence, len(recorded))  # websocket turns, judged as streams
        _apply_findings(verdict, judge_exchanges([*recorded, *frames], strictness))
    return verdict


# What a maintainer acts on; an added field or a translation alone does not explain a failure.
ACTIONABLE = {Kind.DROPPED, Kind.CHANGED, Kind.NOT_RETURNED, Kind.NO_UPSTREAM_CALL}


def _derived_causes(cassette: Path, limit: int = 3) -> tuple[str, ...]:
    """The causes of a failed probe derived from its upstream journal (none kept: nothing to say)."""
    if not upstream_journal.journal_path(cassette).exists():
        return ()
    try:
        causes = significant(derive_cassette(cassette))
    except Exception:  # the derivation explains a verdict: evidence it cannot read must not break one
        return ()
    texts = [c.text for c in causes if c.kind in ACTIONABLE]
    return tuple(dict.fromkeys(texts))[:limit]


def _wire_message(finding: Finding) -> str:
    where = f" at {finding.where}" if finding.where else ""
    received = f": {finding.received}" if finding.received else ""
    return f"{finding.message}{where}{received} ({finding.rule}, exchange {finding.exchange})"


def _apply_findings(verdict: Verdict, findings: list[Finding]) -> None:
    """Combine the probe's own outcome with the wire findings (docs/ARCHITECTURE.md, "Harness").

    A MUST finding fails any probe: the wire broke a MUST of the API, whatever the probe's level. A SHOULD finding
    makes a MUST probe that passed `non-strict`; a SHOULD or MAY probe's outcome comes from its own requirement, so
    SHOULD findings are listed on it but do not demote it. A SHOULD or MAY probe whose own check failed is
    `non-strict` (its requirement is not a MUST).
    """
    verdict.findings = findings
    if verdict.outcome is Outcome.FAIL and verdict.level is not Level.MUST:
        verdict.outcome = Outcome.NON_STRICT
    must = [f for f in findings if f.level is Level.MUST]
    should = [f for f in findings if f.level is not Level.MUST]
    if must and verdict.outcome is not Outcome.FAIL:
        first = must[0]
        verdict.outcome = Outcome.FAIL
        own = f"; the probe's own check: {verdict.message}" if verdict.message else ""
        verdict.message = f"wire: {_wire_message(first)}{own}"
        verdict.where, verdict.expected, verdict.received = first.where, first.expected, first.received
    elif should and verdict.level is Level.MUST and verdict.outcome in (Outcome.PASS, Outcome.PASS_REJECTED):
        verdict.outcome = Outcome.NON_STRICT
        verdict.message = f"wire (SHOULD): {_wire_message(should[0])}"


async def run_target(
    probes: Sequence[Probe],
    target: Target,
    *,
    on_result: Callable[[Verdict], None] | None = None,
    **options: object,
) -> list[Verdict]:
    verdicts = []
    for probe in probes:
        if target.excluded(probe):
            continue
        verdict = await run_probe(probe, target, **options)  # type: ignore[arg-type]
        verdicts.append(verdict)
        if on_result:
            on_result(verdict)
    return verdicts


def _worker(probe_ids: list[str], target: Target, options: dict[str, Any]) -> list[Verdict]:
    from harness.probes import CATALOGUE

    by_id = {p.id: p for p in CATALOGUE}
    return asyncio.run(run_target([by_id[i] for i in probe_ids], target, **options))


def run_all(
    probes: Sequence[Probe],
    targets: Sequence[Target],
    *,
    jobs: int = 0,
    on_result: Callable[[Verdict], None] | None = None,
    **options: object,
) -> list[Verdict]:
    """Every probe against every target; targets run in parallel worker processes, `jobs` of them (0: one per
    target, at most MAX_JOBS). Verdicts come back, and go to `on_result`, in target order."""
    jobs = jobs or min(len(targets), MAX_JOBS)
    if jobs <= 1 or len(targets) <= 1:
        verdicts: list[Verdict] = []
        for target in targets:
            verdicts += asyncio.run(run_target(probes, target, on_result=on_result, **options))
        return verdicts
    ids = [p.id for p in probes]
    results: list[Verdict] = []
    with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context()) as pool:
        futures = [pool.submit(_worker, ids, target, dict(options)) for target in targets]
        for future in futures:
            for verdict in future.result():
                results.append(verdict)
                if on_result:
                    on_result(verdict)
    return results
