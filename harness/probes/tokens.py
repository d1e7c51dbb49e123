"""responses.input_tokens: a real count, or a clean 4xx/501."""

from __future__ import annotations

from harness.context import ProbeContext, require
from harness.model import Observation, Observed
from harness.probes._calls import unless_refused
from harness.probes._registry import E, probe


@probe(
    "responses.input_tokens.count",
    "input_tokens MUST count (the count grows with the input), or be rejected cleanly; never a silent zero.",
    feature="input_tokens",
    native=E,
    chat=E,
)
async def count(ctx: ProbeContext) -> Observation:
    counted = ctx.client.responses.input_tokens.count
    short = await unless_refused(ctx, counted(model=ctx.model, input="Hello there."))
    longer = "Hello there. " + "This sentence makes the input longer. " * 12
    long = await unless_refused(ctx, counted(model=ctx.model, input=longer))
    require(
        short.object == "response.input_tokens",
        "wrong object type",
        expected="response.input_tokens",
        received=short.object,
    )
    require(short.input_tokens > 0, "a silent zero count", expected="> 0", received=short.input_tokens)
    require(
        long.input_tokens > short.input_tokens,
        "the count does not grow with the input",
        expected=f"> {short.input_tokens}",
        received=long.input_tokens,
    )
    return Observed.SUPPORTED
