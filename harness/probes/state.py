"""responses.state: previous_response_id, conversation and unknown input items: real, or rejected, never forgotten."""

from __future__ import annotations

import openai

from harness import phrases
from harness.context import ProbeContext, require, require_model
from harness.model import Observation, Observed, ProbeFailure
from harness.probes._checks import UNKNOWN_RESPONSE, text_of
from harness.probes._registry import E, R, probe

QUESTION = f"{phrases.CODE_WORD_QUESTION} Answer with the word only."


@probe(
    "responses.state.previous_response_id",
    "previous_response_id MUST carry the earlier turn (the code word is "
    "remembered) or be rejected cleanly; a 200 that forgot is a silent drop.",
    feature="state.previous_response_id",
    chat=E,
)
async def previous_response_id(ctx: ProbeContext) -> Observation:
    first = await ctx.client.responses.create(model=ctx.model, input=phrases.remember("juniper"))
    try:
        second = await ctx.client.responses.create(model=ctx.model, input=QUESTION, previous_response_id=first.id)
    except openai.BadRequestError as err:
        return ctx.rejected(err, mentions="previous_response_id")
    answer = text_of(second)
    require_model(
        "juniper" in answer.lower(),
        "previous_response_id was accepted but the history was lost",
        expected="juniper",
        received=answer,
    )
    return Observed.SUPPORTED


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


@probe(
    "responses.state.previous_response_id_streamed",
    "A streamed turn MUST be continuable by a streamed request with previous_response_id (the code word is "
    "remembered), or that be rejected cleanly; a stream that forgot is a silent drop.",
    feature="state.previous_response_id",
    chat=E,
)
async def previous_response_id_streamed(ctx: ProbeContext) -> Observation:
    first, _ = await _streamed(ctx, input=phrases.remember("quince"))
    try:
        _, answer = await _streamed(ctx, input=QUESTION, previous_response_id=first)
    except openai.BadRequestError as err:
        return ctx.rejected(err, mentions="previous_response_id")
    require_model(
        "quince" in answer.lower(),
        "previous_response_id was accepted on a streamed request but the history was lost",
        expected="quince",
        received=answer,
    )
    return Observed.SUPPORTED


@probe(
    "responses.state.conversation",
    "`conversation` MUST carry the conversation's items (the code word is "
    "remembered) or be rejected cleanly; a 200 that forgot is a silent drop.",
    feature="state.conversation",
    native=E,
    chat=E,
)
async def conversation(ctx: ProbeContext) -> Observation:
    try:
        conv = await ctx.client.conversations.create(
            items=[{"type": "message", "role": "user", "content": phrases.remember("lantern")}]
        )
    except openai.APIStatusError as err:
        return ctx.rejected(err, mentions="conversation")
    conversations = ctx.client.conversations
    ctx.defer(lambda: conversations.delete(conv.id))
    try:
        response = await ctx.client.responses.create(model=ctx.model, input=QUESTION, conversation=conv.id)
    except openai.BadRequestError as err:
        return ctx.rejected(err, mentions="conversation")
    answer = text_of(response)
    require_model(
        "lantern" in answer.lower(),
        "conversation was accepted but its items were lost",
        expected="lantern",
        received=answer,
    )
    items = await ctx.client.conversations.items.list(conv.id, order="asc")
    require(
        len(items.data) >= 3,
        "the new turn was not appended to the conversation",
        expected="the first item, the question and the answer",
        received=f"{len(items.data)} items",
    )
    return Observed.SUPPORTED


@probe(
    "responses.state.unknown_items",
    "Input items of an unknown type MUST be preserved (native) or rejected with a 400 naming the type; never dropped.",
    feature="input.unknown_items",
    native=E,
    chat=R,
)
async def unknown_items(ctx: ProbeContext) -> Observation:
    try:
        response = await ctx.client.responses.create(
            model=ctx.model,
            input=[
                {"type": "x_conformance_probe", "note": "an item type from the future"},
                {"type": "message", "role": "user", "content": phrases.ASK_ITEM_TYPES},
            ],
        )
    except openai.BadRequestError as err:
        return ctx.rejected(err, mentions="x_conformance_probe")
    answer = text_of(response)
    if answer.startswith(phrases.ITEMS_KEY):
        require(
            "x_conformance_probe" in answer,
            "the unknown item was dropped before reaching the upstream",
            expected=phrases.listing(phrases.ITEMS_KEY, ["x_conformance_probe", "message"]),
            received=answer,
        )
        return Observed.SUPPORTED
    raise ProbeFailure(
        "a real upstream accepted an item type that does not exist: it was probably dropped",
        expected="a 400 naming x_conformance_probe",
        received=answer[:200],
    )


@probe(
    "responses.state.previous_unknown",
    "previous_response_id naming an unknown response MUST be a 4xx error envelope.",
    feature="errors.state",
    native=R,
    chat=R,
)
async def previous_unknown(ctx: ProbeContext) -> Observation:
    try:
        response = await ctx.client.responses.create(
            model=ctx.model, input=QUESTION, previous_response_id=UNKNOWN_RESPONSE
        )
    except openai.APIStatusError as err:
        return ctx.rejected(err)
    raise ProbeFailure(
        "an unknown previous_response_id was accepted",
        expected="a 4xx error",
        received=f"200 {text_of(response)[:100]!r}",
    )


@probe(
    "responses.state.previous_not_stored",
    "previous_response_id naming a `store: false` response MUST be a 4xx error envelope.",
    feature="errors.state",
    native=R,
    chat=R,
)
async def previous_not_stored(ctx: ProbeContext) -> Observation:
    first = await ctx.client.responses.create(model=ctx.model, input=phrases.remember("basil"), store=False)
    try:
        response = await ctx.client.responses.create(model=ctx.model, input=QUESTION, previous_response_id=first.id)
    except openai.APIStatusError as err:
        return ctx.rejected(err)
    raise ProbeFailure(
        "a store:false response could be chained from",
        expected="a 4xx error",
        received=f"200 {text_of(response)[:100]!r}",
    )
