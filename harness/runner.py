"""Run probes against targets: cassette -> probe.run(ctx) -> wire judge -> Verdict.

vcrpy patches the HTTP clients process-wide, so probes run one at a time in a process; `run_all` spreads targets
over worker processes (by default one per target, up to MAX_JOBS).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import multiprocessing
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
from agents.exceptions import ModelBehaviorError
from vcr.errors import CannotOverwriteExistingCassetteException

from harness import model_limits, upstream_journal, websocket
from harness.cassettes import recorder
from harness.context import ProbeContext, quiet_agents_sdk
from harness.derive import derive_cassette, significant
from harness.derive.model import Kind
from harness.evidence import Evidence, Paths, Recorder, Replayer
from harness.judge import judge_exchanges
from harness.model import (
    Behaviour,
    Expect,
    Finding,
    Level,
    ModelDeviation,
    Observation,
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


@dataclass(frozen=True)
class Ran:
    """What running a probe gave, before any judging: its observation (SUPPORTED or a Rejection), or the failure
    it raised (a ProbeFailure's words, or an unexpected exception's), or why it skipped."""

    observation: Observation | None = None
    failure: ProbeFailure | None = None
    error: tuple[str, str] | None = None  # an unexpected exception: (message, received)
    skip: str | None = None


async def _run(probe: Probe, ctx: ProbeContext) -> Ran:
    try:
        return Ran(observation=await asyncio.wait_for(probe.run(ctx), PROBE_TIMEOUT))
    except ProbeFailure as exc:
        return Ran(failure=exc)
    except ModelBehaviorError as exc:
        if not ctx.target.real_model:
            return Ran(error=_failure_text(exc))
        # The Agents SDK refusing what a real model answered (cut at its output limit, a call to no such tool,
        # arguments that are not JSON) is the model's doing where the journal proves the gateway intact.
        return Ran(failure=ModelDeviation("the Agents SDK refused the model's answer", received=str(exc)[:300]))
    except ProbeSkip as exc:
        return Ran(skip=str(exc))
    except Exception as exc:
        return Ran(error=_failure_text(exc))


def verdict(
    probe: Probe,
    target: str,
    expectation: Expect,
    ran: Ran,
    findings: Sequence[Finding] = (),
    *,
    cassette: str = "",
    duration_ms: int = 0,
    causes: tuple[str, ...] = (),
    model_limited: str = "",
) -> Verdict:
    """The verdict, made once: the probe's own outcome (expectation x observation, or its failure or skip), then the
    wire findings weighed against it (docs/ARCHITECTURE.md, "Harness"), then the derived causes named. Pure.

    `model_limited` is the evidence (harness/model_limits.py) that a real model, not the gateway, failed a check
    that needs the model to follow the prompt: such a failure is `model-limited` instead of `fail`."""
    rejection = ran.observation if isinstance(ran.observation, Rejection) else None
    made = Verdict(
        target, probe.id, probe.level, Outcome.SKIP, requirement=probe.requirement, cassette=cassette,
        duration_ms=duration_ms, expectation=expectation.value,
    )  # fmt: skip
    if ran.skip is not None:
        return dataclasses.replace(made, message=ran.skip, behaviour=Behaviour.SKIPPED)
    if ran.failure is not None:
        failure = ran.failure
        expected, received, where = failure.expected, failure.received, failure.where
        outcome, message, behaviour = Outcome.FAIL, failure.message, Behaviour.BROKEN
        if isinstance(failure, ModelDeviation) and model_limited:
            # The check's own words may blame the gateway ("the gateway dropped earlier turns"); the evidence says not.
            wanted = f" (the check wanted {failure.expected})" if failure.expected else ""
            outcome, behaviour = Outcome.MODEL_LIMITED, Behaviour.WORKS
            message = f"the model did not do what the prompt asked{wanted}: {model_limited}"
    elif ran.error is not None:
        outcome, behaviour = Outcome.FAIL, Behaviour.BROKEN
        (message, received), expected, where = ran.error, "", ""
    else:
        observed = Observed.REJECTED if rejection else ran.observation
        assert isinstance(observed, Observed)
        behaviour = Behaviour.REJECTED if rejection else Behaviour.WORKS
        outcome, message = decide(expectation, observed)
        expected = received = where = ""
        if outcome is Outcome.FAIL:
            expected, received = expectation.value, str(rejection) if rejection else observed.value
    check, check_received = (message, received) if outcome is Outcome.FAIL else ("", "")
    if check and causes:
        message += "; the upstream journal shows: " + "; ".join(causes)
    outcome, message, where, expected, received = _weigh(
        probe.level, findings, outcome, message, (where, expected, received)
    )
    return dataclasses.replace(
        made, outcome=outcome, message=message, behaviour=behaviour, expected=expected, received=received,
        where=where, findings=tuple(findings), rejection=rejection, check=check, check_received=check_received,
        causes=causes if check else (),
    )  # fmt: skip


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
    paths = Paths.of(cassette_dir, target.name, probe.id)
    path = paths.cassette
    evidence: Evidence
    if replay:
        evidence, record_mode = Replayer.load(paths), "none"
    else:
        evidence = Recorder(paths)
        if record_mode == "all":
            paths.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
    missing = replay and not path.exists()
    ctx = ProbeContext(probe, target, evidence)
    journal_mark = upstream_journal.mark(target.upstream_journal) if target.upstream_journal and not replay else None
    started = time.monotonic()
    with recorder(record_mode, secrets=[target.key()]).use_cassette(str(path)), warnings.catch_warnings():
        # The openai SDK's unions warn when dumping item types they do not model; that is not the gateway's doing.
        warnings.filterwarnings("ignore", message="Pydantic serializer warnings")
        try:
            ran = await _run(probe, ctx)
        finally:
            await ctx.close()
    cassette, duration_ms = str(path), int((time.monotonic() - started) * 1000)
    if missing and ran.skip is None:
        # The probe needed requests the run does not hold: nothing was observed, and CI must not read that as a pass.
        nothing = Ran(skip=f"no cassette at {path} (replay)")
        gone = verdict(probe, target.name, ctx.expectation, nothing, cassette=cassette, duration_ms=duration_ms)
        return gone if allow_missing else dataclasses.replace(gone, outcome=Outcome.FAIL)
    if target.upstream_journal and journal_mark is not None:
        upstream_journal.keep(target.upstream_journal, journal_mark, path)
    evidence.save()
    if ran.skip is not None:
        return verdict(probe, target.name, ctx.expectation, ran, cassette=cassette, duration_ms=duration_ms)
    own = verdict(probe, target.name, ctx.expectation, ran)  # the probe's own check: did it fail?
    causes = _derived_causes(path) if own.check else ()
    recorded = load_exchanges(path)
    frames = websocket.exchanges(evidence, len(recorded))  # websocket turns, judged as streams
    findings = judge_exchanges([*recorded, *frames], strictness)
    limited = ""
    if target.real_model and isinstance(ran.failure, ModelDeviation):
        limited = model_limits.proof([*recorded, *frames], upstream_journal.load(path) if _journaled(path) else None)
    return verdict(
        probe, target.name, ctx.expectation, ran, findings, cassette=cassette, duration_ms=duration_ms,
        causes=causes, model_limited=limited,
    )  # fmt: skip


def _journaled(cassette: Path) -> bool:
    return upstream_journal.journal_path(cassette).exists()


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


def _weigh(
    level: Level, findings: Sequence[Finding], outcome: Outcome, message: str, place: tuple[str, str, str]
) -> tuple[Outcome, str, str, str, str]:
    """Combine the probe's own outcome with the wire findings (docs/ARCHITECTURE.md, "Harness"): (outcome, message,
    where, expected, received).

    A MUST finding fails any probe: the wire broke a MUST of the API, whatever the probe's level. A SHOULD finding
    makes a MUST probe that passed `non-strict`; a SHOULD or MAY probe's outcome comes from its own requirement, so
    SHOULD findings are listed on it but do not demote it. A SHOULD or MAY probe whose own check failed is
    `non-strict` (its requirement is not a MUST).
    """
    where, expected, received = place
    if outcome is Outcome.FAIL and level is not Level.MUST:
        outcome = Outcome.NON_STRICT
    must = [f for f in findings if f.level is Level.MUST]
    should = [f for f in findings if f.level is not Level.MUST]
    if must and outcome is not Outcome.FAIL:
        first = must[0]
        own = f"; the probe's own check: {message}" if message else ""
        return Outcome.FAIL, f"wire: {_wire_message(first)}{own}", first.where, first.expected, first.received
    if should and level is Level.MUST and outcome in (Outcome.PASS, Outcome.PASS_REJECTED):
        return Outcome.NON_STRICT, f"wire (SHOULD): {_wire_message(should[0])}", where, expected, received
    return outcome, message, where, expected, received


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
