"""responses.stream: the SSE lifecycle as the client sees it (the judge checks the raw grammar too)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Level, Observation, Observed
from harness.probes._registry import bound, probe

PROMPT = phrases.exactly("The quick brown fox jumps over the lazy dog")


async def _events(ctx: ProbeContext) -> list[Any]:
    stream = await ctx.client.responses.create(model=ctx.model, input=PROMPT, stream=True)
    return [event async for event in stream]


def _lifecycle(events: list[Any]) -> None:
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


def _text(events: list[Any]) -> None:
    deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    done = [e.text for e in events if e.type == "response.output_text.done"]
    final = events[-1].response.output_text if events and events[-1].type == "response.completed" else None
    require(len(deltas) > 0, "the stream carried no text deltas", received=[e.type for e in events][:12])
    require(done == [deltas], "deltas must concatenate to output_text.done", expected=repr(deltas), received=done)
    require(final == deltas, "deltas must concatenate to the completed text", expected=repr(deltas), received=final)
    require("quick brown fox" in deltas.lower(), "the streamed answer is not the requested text", received=deltas)


def _sequence(events: list[Any]) -> None:
    numbers = [getattr(e, "sequence_number", None) for e in events]
    require(
        numbers == list(range(len(events))),
        "sequence_number must start at 0 and rise by 1",
        expected=list(range(len(events)))[:8],
        received=numbers[:8],
    )


@dataclass(frozen=True)
class StreamCase:
    """One stream probe: a check of the events of the one streamed request every case sends."""

    id: str
    requirement: str
    check: Callable[[list[Any]], None]
    level: Level = Level.MUST


async def run_case(ctx: ProbeContext, case: StreamCase) -> Observation:
    case.check(await _events(ctx))
    return Observed.SUPPORTED


CASES = (
    StreamCase(
        "responses.stream.lifecycle",
        "A stream MUST run from response.created to exactly one terminal event, "
        "with one response id and the whole output in response.completed.",
        _lifecycle,
    ),
    StreamCase(
        "responses.stream.text",
        "Text deltas MUST concatenate to output_text.done and to the completed response's text.",
        _text,
    ),
    StreamCase(
        "responses.stream.sequence",
        "Every event SHOULD carry sequence_number from 0 rising by 1 (the OpenAI SDKs tolerate its absence).",
        _sequence,
        Level.SHOULD,
    ),
)
for _case in CASES:
    probe(_case.id, _case.requirement, feature="stream", level=_case.level)(
        bound(run_case, _case, _case.id.rsplit(".", 1)[1])
    )
