"""responses.stream: the SSE lifecycle as the client sees it (the judge checks the raw grammar too)."""

from __future__ import annotations

from typing import Any

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Level, Observation, Observed
from harness.probes._registry import probe

PROMPT = phrases.exactly("The quick brown fox jumps over the lazy dog")


async def _events(ctx: ProbeContext, **extra: Any) -> list[Any]:
    stream = await ctx.client.responses.create(model=ctx.model, input=PROMPT, stream=True, **extra)
    return [event async for event in stream]


@probe(
    "responses.stream.lifecycle",
    "A stream MUST run from response.created to exactly one terminal event, "
    "with one response id and the whole output in response.completed.",
    feature="stream",
)
async def lifecycle(ctx: ProbeContext) -> Observation:
    events = await _events(ctx)
    types = [e.type for e in events]
    require(
        types and types[0] == "response.created",
        "the stream must start with response.created",
        expected="response.created",
        received=types[:3],
    )
    require(
        types[-1] == "response.completed",
        "the stream must end with response.completed",
        expected="response.completed",
        received=types[-3:],
    )
    ids = {e.response.id for e in events if hasattr(e, "response")}
    require(len(ids) == 1, "one response id throughout the stream", received=sorted(ids))
    done_ids = [e.item.id for e in events if e.type == "response.output_item.done"]
    final_ids = [item.id for item in events[-1].response.output]
    require(
        done_ids == final_ids, "response.completed must carry every output item", expected=done_ids, received=final_ids
    )
    return Observed.SUPPORTED


@probe(
    "responses.stream.text",
    "Text deltas MUST concatenate to output_text.done and to the completed response's text.",
    feature="stream",
)
async def text(ctx: ProbeContext) -> Observation:
    events = await _events(ctx)
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    done = [e.text for e in events if e.type == "response.output_text.done"]
    final = events[-1].response.output_text if events and events[-1].type == "response.completed" else None
    require(len(deltas) > 0, "the stream carried no text deltas", received=[e.type for e in events][:12])
    require(done == [deltas], "deltas must concatenate to output_text.done", expected=repr(deltas), received=done)
    require(final == deltas, "deltas must concatenate to the completed text", expected=repr(deltas), received=final)
    require("quick brown fox" in deltas.lower(), "the streamed answer is not the requested text", received=deltas)
    return Observed.SUPPORTED


@probe(
    "responses.stream.sequence",
    "Every event SHOULD carry sequence_number from 0 rising by 1 (the OpenAI SDKs tolerate its absence).",
    feature="stream",
    level=Level.SHOULD,
)
async def sequence(ctx: ProbeContext) -> Observation:
    events = await _events(ctx)
    numbers = [getattr(e, "sequence_number", None) for e in events]
    require(
        numbers == list(range(len(events))),
        "sequence_number must start at 0 and rise by 1",
        expected=list(range(len(events)))[:8],
        received=numbers[:8],
    )
    return Observed.SUPPORTED
