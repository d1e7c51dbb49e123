"""responses.state: previous_response_id, conversation and unknown input items: real, or rejected, never forgotten."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import openai
from openai.types.responses import Response

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeFailure
from harness.probes._calls import require_appended, require_remembered, unless_refused
from harness.probes._checks import UNKNOWN_RESPONSE, text_of
from harness.probes._registry import E, R, bound, probe
from harness.probes._request_cases import RequestCase, register

QUESTION = f"{phrases.CODE_WORD_QUESTION} Answer with the word only."


Turn = Callable[..., Awaitable[tuple[str, str]]]


async def _plain(ctx: ProbeContext, **params: Any) -> tuple[str, str]:
    """A plain request: (the response id, its text)."""
    response = await ctx.client.responses.create(model=ctx.model, **params)
    return response.id, text_of(response)


async def _streamed(ctx: ProbeContext, **params: object) -> tuple[str, str]:
    """A streamed request: (the response id, its text), from a stream that must end in response.completed."""
    stream = await ctx.client.responses.create(model=ctx.model, stream=True, **params)
    events = [event async for event in stream]
    last = events[-1] if events else None
    require(
        last is not None and last.type == "response.completed",
        "the stream did not end in response.completed",
        expected="response.completed",
        received=[e.type for e in events][-3:],
    )
    assert last is not None
    return last.response.id, last.response.output_text or ""


@dataclass(frozen=True)
class ContinuationCase:
    """A turn (`turn`: plain or streamed) that says the code word, then one continuing it with
    previous_response_id that asks for it: the word remembered, or previous_response_id refused with a clean 400
    naming it. `forgot`: the failure where the word is lost."""

    id: str
    requirement: str
    turn: Turn
    word: str
    forgot: str


async def run_continuation(ctx: ProbeContext, case: ContinuationCase) -> Observation:
    first, _ = await case.turn(ctx, input=phrases.remember(case.word))
    continued = case.turn(ctx, input=QUESTION, previous_response_id=first)
    _, answer = await unless_refused(ctx, continued, mentions="previous_response_id", refusal=openai.BadRequestError)
    require_remembered(case.word, answer, case.forgot)
    return Observed.SUPPORTED


CONTINUATIONS = (
    ContinuationCase(
        "responses.state.previous_response_id",
        "previous_response_id MUST carry the earlier turn (the code word is "
        "remembered) or be rejected cleanly; a 200 that forgot is a silent drop.",
        _plain,
        "juniper",
        "previous_response_id was accepted but the history was lost",
    ),
    ContinuationCase(
        "responses.state.previous_response_id_streamed",
        "A streamed turn MUST be continuable by a streamed request with previous_response_id (the code word is "
        "remembered), or that be rejected cleanly; a stream that forgot is a silent drop.",
        _streamed,
        "quince",
        "previous_response_id was accepted on a streamed request but the history was lost",
    ),
)
for _case in CONTINUATIONS:
    probe(_case.id, _case.requirement, feature="state.previous_response_id", chat=E)(
        bound(run_continuation, _case, _case.id.rsplit(".", 1)[1])
    )


@probe(
    "responses.state.conversation",
    "`conversation` MUST carry the conversation's items (the code word is "
    "remembered) or be rejected cleanly; a 200 that forgot is a silent drop.",
    feature="state.conversation",
    native=E,
    chat=E,
)
async def conversation(ctx: ProbeContext) -> Observation:
    said = [{"type": "message", "role": "user", "content": phrases.remember("lantern")}]
    conv = await unless_refused(ctx, ctx.client.conversations.create(items=said), mentions="conversation")
    conversations = ctx.client.conversations
    ctx.defer(lambda: conversations.delete(conv.id))
    ask = ctx.client.responses.create(model=ctx.model, input=QUESTION, conversation=conv.id)
    response = await unless_refused(ctx, ask, mentions="conversation", refusal=openai.BadRequestError)
    require_remembered("lantern", text_of(response), "conversation was accepted but its items were lost")
    await require_appended(ctx.client, conv.id, "the new turn was not appended to the conversation")
    return Observed.SUPPORTED


def _unknown_items(response: Response) -> None:
    answer = text_of(response)
    if answer.startswith(phrases.ITEMS_KEY):
        require(
            "x_conformance_probe" in answer,
            "the unknown item was dropped before reaching the upstream",
            expected=phrases.listing(phrases.ITEMS_KEY, ["x_conformance_probe", "message"]),
            received=answer,
        )
        return
    raise ProbeFailure(
        "a real upstream accepted an item type that does not exist: it was probably dropped",
        expected="a 400 naming x_conformance_probe",
        received=answer[:200],
    )


register(
    (
        RequestCase(
            "responses.state.unknown_items",
            "Input items of an unknown type MUST be preserved (native) or rejected with a 400 naming the type; never "
            "dropped.",
            "input.unknown_items",
            {
                "input": [
                    {"type": "x_conformance_probe", "note": "an item type from the future"},
                    {"type": "message", "role": "user", "content": phrases.ASK_ITEM_TYPES},
                ]
            },
            _unknown_items,
            refusable=True,
            mentions="x_conformance_probe",
            native=E,
            chat=R,
        ),
    )
)


@probe(
    "responses.state.previous_unknown",
    "previous_response_id naming an unknown response MUST be a 4xx error envelope.",
    feature="errors.state",
    native=R,
    chat=R,
)
async def previous_unknown(ctx: ProbeContext) -> Observation:
    return await _refused_continuation(ctx, UNKNOWN_RESPONSE, "an unknown previous_response_id was accepted")


async def _refused_continuation(ctx: ProbeContext, previous_id: str, accepted: str) -> Observation:
    """A turn continuing `previous_id` must be refused with a 4xx error envelope; an answer is `accepted`."""
    try:
        response = await ctx.client.responses.create(model=ctx.model, input=QUESTION, previous_response_id=previous_id)
    except openai.APIStatusError as err:
        return ctx.rejected(err)
    raise ProbeFailure(accepted, expected="a 4xx error", received=f"200 {text_of(response)[:100]!r}")


@probe(
    "responses.state.previous_not_stored",
    "previous_response_id naming a `store: false` response MUST be a 4xx error envelope.",
    feature="errors.state",
    native=R,
    chat=R,
)
async def previous_not_stored(ctx: ProbeContext) -> Observation:
    first = await ctx.client.responses.create(model=ctx.model, input=phrases.remember("basil"), store=False)
    return await _refused_continuation(ctx, first.id, "a store:false response could be chained from")
