"""faults: what the gateway makes of an upstream that fails. Hermetic: the target fronts the emulated upstreams and
names, in its `fault_model` template, the model that makes them inject a fault (emulators/faults.py).

| upstream fault | what the caller must get |
|---|---|
| 500 | a 502 envelope |
| 429 | a 429 envelope, `Retry-After` kept |
| the provider refusing the gateway's own key | a 5xx envelope, never the caller's 401/403 |
| hang | a 504 envelope within the target's timeout |
| stream cut midway, malformed chunk | `response.failed` (or a 502 before the stream started), never completed |
| 200 of the wrong shape | a 502 envelope (streamed: `response.failed`), nothing stored as completed |
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import httpx2

from emulators.faults import FAIL_401, FAIL_429, FAIL_500, FAIL_MALFORMED, FAIL_MIDSTREAM, FAIL_SHAPE, HANG
from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeFailure, ProbeSkip
from harness.probes._checks import user
from harness.probes._registry import bound, probe
from harness.probes._statuses import require_status
from harness.wire import parse_sse

PROMPT = "Reply with exactly The quick brown fox jumps over the lazy dog."


def fault_model(ctx: ProbeContext, fault: str) -> str:
    model = ctx.target.model_with_fault(fault)
    if model is None:
        raise ProbeSkip(
            "the target names no fault model (`fault_model` in the targets file), so faults cannot be injected"
        )
    return model


async def _ask(ctx: ProbeContext, fault: str, *, stream: bool = False) -> httpx2.Response:
    body: dict[str, Any] = {"model": fault_model(ctx, fault), "input": [user(PROMPT)]}
    if stream:
        body["stream"] = True
    return await ctx.http("POST", "/responses", json=body)


def _envelope(ctx: ProbeContext, response: httpx2.Response, statuses: tuple[int, ...], what: str) -> None:
    if response.status_code not in statuses:
        wanted = "5xx" if len(statuses) > 3 else " or ".join(map(str, statuses))
        raise ProbeFailure(
            f"{what} was not answered as it must be",
            expected=f"HTTP {wanted} with an OpenAI error envelope",
            received=f"HTTP {response.status_code} {response.text[:300]!r}",
        )
    ctx.rejected(response, statuses=statuses)


def _stream_types(response: httpx2.Response) -> tuple[list[str], dict[str, Any] | None]:
    """The event types of a stream, and the response snapshot of its first event that carries one."""
    events = [e.payload for e in parse_sse(response.text).events if isinstance(e.payload, dict)]
    snapshot = next((e["response"] for e in events if isinstance(e.get("response"), dict)), None)
    return [str(e.get("type")) for e in events], snapshot


async def _failed_stream(ctx: ProbeContext, response: httpx2.Response, what: str) -> Observation:
    """A stream the upstream broke: a 502 before it started, or `response.failed` and never `response.completed`;
    and what was half-written is not kept as a completed response."""
    if response.status_code != 200:
        _envelope(ctx, response, (502,), what)
        return Observed.SUPPORTED
    types, snapshot = _stream_types(response)
    require(
        "response.completed" not in types,
        f"{what} was reported as response.completed",
        expected="response.failed, never response.completed",
        received=types[-4:],
    )
    require(
        "response.failed" in types,
        f"{what} did not end in response.failed",
        expected="response.failed",
        received=types[-4:] or response.text[:200],
    )
    response_id = snapshot.get("id") if snapshot else None
    if isinstance(response_id, str) and response_id:
        fetched = await ctx.http("GET", f"/responses/{response_id}")
        if fetched.status_code == 200:
            body = fetched.json() if fetched.headers.get("content-type", "").startswith("application/json") else {}
            status = body.get("status") if isinstance(body, dict) else None
            require(
                status not in ("completed", "incomplete", None),
                f"after {what}, the half-written response was stored as {status}",
                expected="404 (not stored), or a stored response whose status is failed",
                received=f"HTTP 200 status {status!r}",
            )
        else:
            require_status(fetched, 404, "retrieving the failed response gave an unexpected status", expected="404")
    return Observed.SUPPORTED


def _retry_after_kept(response: httpx2.Response) -> None:
    require(
        response.headers.get("retry-after"),
        "the 429 lost the upstream's Retry-After header",
        expected="a Retry-After header",
        received=sorted(response.headers.keys()),
    )


async def _hang(ctx: ProbeContext, case: FaultCase) -> httpx2.Response:
    started = time.monotonic()
    try:
        return await _ask(ctx, case.fault)
    except httpx2.TimeoutException as exc:
        raise ProbeFailure(
            "the gateway did not answer while its upstream hung",
            expected=f"a 504 error envelope within {ctx.target.timeout:.0f}s (the target's timeout)",
            received=f"no answer after {time.monotonic() - started:.0f}s",
        ) from exc


@dataclass(frozen=True)
class FaultCase:
    """One fault probe: the fault the emulator injects, whether the request streams, and what the caller must get:
    `envelope` (an error envelope with one of `statuses`), `failed_stream` (a 502 before the stream, or
    response.failed and nothing stored as completed), `not_the_callers` (a 5xx, never a 401/403)."""

    id: str
    requirement: str
    fault: str
    what: str
    must: Literal["envelope", "failed_stream", "not_the_callers"]
    stream: bool = False
    statuses: tuple[int, ...] = (502,)
    retry_after: bool = False  # the 429's Retry-After must be kept
    hangs: bool = False  # the upstream never answers: the target's timeout is the limit


CASES = (
    FaultCase(
        "faults.upstream_500",
        "An upstream 500 MUST reach the caller as a 502 error envelope.",
        FAIL_500,
        "an upstream 500",
        "envelope",
    ),
    FaultCase(
        "faults.upstream_500_stream",
        "An upstream 500 to a streamed request MUST be a 502 error envelope (or a stream ending in response.failed).",
        FAIL_500,
        "an upstream 500",
        "failed_stream",
        stream=True,
    ),
    FaultCase(
        "faults.upstream_429",
        "An upstream 429 MUST reach the caller as a 429 error envelope that keeps Retry-After.",
        FAIL_429,
        "an upstream 429",
        "envelope",
        statuses=(429,),
        retry_after=True,
    ),
    FaultCase(
        "faults.upstream_429_stream",
        "An upstream 429 to a streamed request MUST be a 429 error envelope that keeps Retry-After.",
        FAIL_429,
        "an upstream 429",
        "envelope",
        stream=True,
        statuses=(429,),
        retry_after=True,
    ),
    FaultCase(
        "faults.upstream_auth",
        "The provider refusing the gateway's own key MUST be a 5xx error envelope, not the caller's 401.",
        FAIL_401,
        "the provider refusing the gateway's key",
        "not_the_callers",
    ),
    FaultCase(
        "faults.upstream_auth_stream",
        "The provider refusing the gateway's own key on a streamed request MUST be a 5xx error envelope, not a 401.",
        FAIL_401,
        "the provider refusing the gateway's key",
        "not_the_callers",
        stream=True,
    ),
    FaultCase(
        "faults.upstream_hang",
        "An upstream that does not answer MUST be a 504 error envelope within the target's timeout.",
        HANG,
        "a hanging upstream",
        "envelope",
        statuses=(504,),
        hangs=True,
    ),
    FaultCase(
        "faults.stream_cut",
        "A stream the upstream cuts midway MUST end in response.failed, never response.completed, and MUST NOT be "
        "stored as completed.",
        FAIL_MIDSTREAM,
        "an upstream stream cut midway",
        "failed_stream",
        stream=True,
    ),
    FaultCase(
        "faults.stream_malformed",
        "A malformed upstream chunk MUST end the stream in response.failed (or be a 502 before it started).",
        FAIL_MALFORMED,
        "a malformed upstream chunk",
        "failed_stream",
        stream=True,
    ),
    FaultCase(
        "faults.malformed",
        "An upstream 200 whose body is not JSON MUST be a 502 error envelope.",
        FAIL_MALFORMED,
        "an upstream body that is not JSON",
        "envelope",
    ),
    FaultCase(
        "faults.wrong_shape",
        "An upstream 200 of the wrong shape MUST be a 502 error envelope (nothing answered, nothing stored).",
        FAIL_SHAPE,
        "an upstream answer of the wrong shape",
        "envelope",
    ),
    FaultCase(
        "faults.wrong_shape_stream",
        "Upstream stream chunks of the wrong shape MUST give a 502 before the stream, or response.failed; never a "
        "completed response.",
        FAIL_SHAPE,
        "an upstream stream of the wrong shape",
        "failed_stream",
        stream=True,
    ),
)


async def run_case(ctx: ProbeContext, case: FaultCase) -> Observation:
    """The one runner every fault case goes through."""
    response = await _hang(ctx, case) if case.hangs else await _ask(ctx, case.fault, stream=case.stream)
    if case.must == "failed_stream":
        return await _failed_stream(ctx, response, case.what)
    if case.must == "not_the_callers":
        return _not_the_callers_fault(ctx, response)
    _envelope(ctx, response, case.statuses, case.what)
    if case.retry_after:
        _retry_after_kept(response)
    return Observed.SUPPORTED


def _not_the_callers_fault(ctx: ProbeContext, response: httpx2.Response) -> Observation:
    require(
        response.status_code not in (401, 403),
        "the provider refusing the gateway's own key was passed on as the caller's authentication failure",
        expected="a 5xx error envelope (the gateway's configuration is at fault, not the caller's key)",
        received=f"HTTP {response.status_code} {response.text[:200]!r}",
    )
    _envelope(ctx, response, tuple(range(500, 600)), "the provider refusing the gateway's key")
    return Observed.SUPPORTED


for _case in CASES:
    probe(_case.id, _case.requirement, feature="faults", needs_emulator=True)(
        bound(run_case, _case, _case.id.split(".", 1)[1])
    )
