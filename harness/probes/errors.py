"""errors: authentication and malformed requests get the right status and the OpenAI error envelope."""

from __future__ import annotations

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeFailure
from harness.probes._registry import probe

BODY = {"input": phrases.exactly("ok")}


def _envelope(ctx: ProbeContext, response: object, statuses: tuple[int, ...]) -> Observed:
    ctx.rejected(response, statuses=statuses)
    return Observed.SUPPORTED


@probe("errors.auth.missing_key", "A request without a key MUST be a 401 error envelope.", feature="errors")
async def missing_key(ctx: ProbeContext) -> Observation:
    response = await ctx.http("POST", "/responses", json={**BODY, "model": ctx.model}, auth=False)
    return _envelope(ctx, response, (401,))


@probe("errors.auth.wrong_key", "A request with a wrong key MUST be a 401 error envelope.", feature="errors")
async def wrong_key(ctx: ProbeContext) -> Observation:
    response = await ctx.http("POST", "/responses", json={**BODY, "model": ctx.model}, api_key="wrong-key-000")
    return _envelope(ctx, response, (401,))


@probe(
    "errors.request.malformed_json",
    "A body that is not JSON MUST be a 400 error envelope, not a 500.",
    feature="errors",
)
async def malformed_json(ctx: ProbeContext) -> Observation:
    response = await ctx.http(
        "POST", "/responses", content=b'{"model": "x", "input": ', headers={"content-type": "application/json"}
    )
    return _envelope(ctx, response, (400,))


@probe("errors.request.missing_model", "A request without a model MUST be a 400 error envelope.", feature="errors")
async def missing_model(ctx: ProbeContext) -> Observation:
    response = await ctx.http("POST", "/responses", json=BODY)
    return _envelope(ctx, response, (400,))


@probe("errors.request.unknown_model", "An unknown model MUST be a 4xx error envelope (404 or 400).", feature="errors")
async def unknown_model(ctx: ProbeContext) -> Observation:
    response = await ctx.http("POST", "/responses", json={**BODY, "model": "no-such-provider/no-such-model-0"})
    if response.status_code == 200:
        raise ProbeFailure("an unknown model was answered", expected="404 or 400", received=response.text[:200])
    require(response.status_code != 500, "an unknown model caused a 500", received=response.text[:200])
    return _envelope(ctx, response, (400, 404))
