"""errors (request): fields of the wrong type, an oversized body and an unknown route get a clean 4xx envelope
(a 400 naming `param`, a 413, a 404), never a 500 or a hang."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from harness import content_encoding
from harness.context import ProbeContext, require
from harness.model import Level, Observation, Observed, ProbeFailure
from harness.probes._registry import probe
from harness.probes._statuses import refused_with, require_status, status_line
from harness.probes._unrecorded import unrecorded_post

OVERSIZED_BYTES = 20 * 1024 * 1024  # above the 16 MiB most gateways (and the reference gateway) accept

WRONG_TYPES: dict[str, Any] = {"tools": 5, "stream": "yes", "input": 5, "text": "abc"}


def _wrong_type_probe(field: str, value: Any) -> None:
    async def run(ctx: ProbeContext) -> Observation:
        body = {"model": ctx.model, "input": "Reply with exactly ok.", field: value}
        response = await ctx.http("POST", "/responses", json=body)
        if response.status_code != 400:
            raise ProbeFailure(
                f"`{field}` of the wrong type was not refused as a bad request",
                expected=f"HTTP 400 with an OpenAI error envelope whose param names {field}",
                received=status_line(response),
            )
        rejection = ctx.rejected(response, statuses=(400,))
        require(
            rejection.param is not None and rejection.param.split(".")[0].split("[")[0] == field,
            "the 400 does not name the field in `param`",
            expected=f"param: {field!r}",
            received=f"param: {rejection.param!r}",
        )
        return Observed.SUPPORTED

    probe(
        f"errors.request.type_{field}",
        f"`{field}: {json.dumps(value)}` MUST be a 400 error envelope whose `param` names {field}, never a 500.",
        feature="errors",
    )(run)


for _field, _value in WRONG_TYPES.items():
    _wrong_type_probe(_field, _value)


def _oversized_body(ctx: ProbeContext) -> bytes:
    # Written out rather than json.dumps'd: encoding 20 MiB of filler cost about 90 ms a probe, in replay too.
    head = json.dumps({"model": ctx.model, "input": "Reply with exactly ok. "})[:-2].encode()
    return head + b"x" * OVERSIZED_BYTES + b'"}'


async def _oversized(ctx: ProbeContext) -> tuple[httpx2.Response, float]:
    try:
        return await unrecorded_post(ctx, "/responses", _oversized_body(ctx), key="oversized")
    except httpx2.TimeoutException as exc:
        raise ProbeFailure(
            "the gateway did not answer an oversized body",
            expected=f"a 413 error envelope within {ctx.target.timeout:.0f}s",
            received="a timeout",
        ) from exc
    except httpx2.DecodingError as exc:
        raise ProbeFailure(
            f"the gateway's answer to an oversized body could not be read: {exc}",
            expected=f"an answer in an encoding the request offered ({content_encoding.accept_encoding()}) or none",
            received=str(exc)[:200],
        ) from exc
    except httpx2.TransportError as exc:
        raise ProbeFailure(
            "the gateway dropped the connection on an oversized body",
            expected="a 413 error envelope",
            received=repr(exc)[:200],
        ) from exc


@probe(
    "errors.request.oversized",
    "An oversized body (20 MB) MUST NOT break the gateway: a 413 error envelope (or an answer), never a 5xx, a "
    "dropped connection or a hang; the gateway answers the next request.",
    feature="errors",
)
async def oversized(ctx: ProbeContext) -> Observation:
    response, _ = await _oversized(ctx)
    require(
        response.status_code < 500,
        "an oversized body broke the gateway",
        expected="HTTP 413 with an OpenAI error envelope",
        received=status_line(response),
    )
    if response.status_code >= 400:
        ctx.rejected(response, statuses=(400, 413))
    after = await ctx.http("POST", "/responses", json={"model": ctx.model, "input": "Reply with exactly ok."})
    require_status(after, 200, "the gateway did not answer the request after the oversized one", expected="HTTP 200")
    return Observed.SUPPORTED


@probe(
    "errors.request.oversized_413",
    "An oversized body (20 MB) SHOULD be refused with a 413 error envelope rather than sent upstream.",
    feature="errors",
    level=Level.SHOULD,
)
async def oversized_413(ctx: ProbeContext) -> Observation:
    response, _ = await _oversized(ctx)
    refused_with(ctx, response, 413, "an oversized body was not refused with a 413")
    # Recorded (so the probe has a cassette to replay): the gateway still answers.
    after = await ctx.http("POST", "/responses", json={"model": ctx.model, "input": "Reply with exactly ok."})
    require(after.status_code == 200, "the gateway did not answer after the oversized body", received=after.status_code)
    return Observed.SUPPORTED


@probe(
    "errors.route.unknown",
    "An unknown route under /v1 MUST be a 404 error envelope.",
    feature="errors",
)
async def unknown_route(ctx: ProbeContext) -> Observation:
    response = await ctx.http("GET", "/conformance_no_such_route")
    refused_with(ctx, response, 404, "an unknown route was not a 404")
    return Observed.SUPPORTED
