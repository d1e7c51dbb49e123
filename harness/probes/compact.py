"""responses.compact: a missing model is a 400, the output carries a `compaction` item, and a later turn given
only that item still knows what was said."""

from __future__ import annotations

from typing import Any

import openai

from harness import phrases
from harness.context import ProbeContext, require, require_model
from harness.model import Observation, Observed, ProbeFailure
from harness.probes._checks import assistant, text_of, user
from harness.probes._registry import E, probe

QUESTION = f"{phrases.CODE_WORD_QUESTION} Answer with the word only."


def _compaction_items(output: list[Any]) -> list[dict[str, Any]]:
    items = [item.model_dump(exclude_none=True, warnings=False) for item in output]
    return [item for item in items if item.get("type") == "compaction"]


@probe(
    "responses.compact.missing_model",
    "compact without a model MUST be a 400 error envelope (or the endpoint refused cleanly), never a 500.",
    feature="errors.compact",
    native=E,
    chat=E,
)
async def missing_model(ctx: ProbeContext) -> Observation:
    response = await ctx.http("POST", "/responses/compact", json={"input": [user(phrases.remember("fennel"))]})
    if response.status_code == 400:
        ctx.rejected(response, statuses=(400,))
        return Observed.SUPPORTED
    if response.status_code in (404, 405, 501):
        return ctx.rejected(response, statuses=(404, 405, 501))
    raise ProbeFailure(
        "compact without a model was not refused as a bad request",
        expected="HTTP 400 with an OpenAI error envelope",
        received=f"HTTP {response.status_code} {response.text[:200]!r}",
    )


@probe(
    "responses.compact.item",
    "compact's output MUST hold a `compaction` item carrying encrypted_content, or compact be rejected cleanly.",
    feature="compact",
    native=E,
    chat=E,
)
async def item(ctx: ProbeContext) -> Observation:
    try:
        compacted = await ctx.client.responses.compact(
            model=ctx.model, input=[user(phrases.remember("thistle")), assistant("Noted.")]
        )
    except openai.APIStatusError as err:
        return ctx.rejected(err, statuses=(400, 404, 422, 501))
    found = _compaction_items(compacted.output)
    require(
        found,
        "compact's output holds no compaction item",
        expected="an item of type compaction",
        received=[getattr(i, "type", None) for i in compacted.output],
    )
    require(
        isinstance(found[0].get("encrypted_content"), str) and found[0]["encrypted_content"],
        "the compaction item carries no encrypted_content",
        received=found[0],
    )
    return Observed.SUPPORTED


@probe(
    "responses.compact.chained",
    "A later turn given only compact's compaction item MUST still know the conversation (the code word), or "
    "compact be rejected cleanly.",
    feature="compact",
    native=E,
    chat=E,
)
async def chained(ctx: ProbeContext) -> Observation:
    try:
        compacted = await ctx.client.responses.compact(
            model=ctx.model,
            input=[user(phrases.remember("quince")), assistant("Noted."), user("Thanks."), assistant("Welcome.")],
        )
    except openai.APIStatusError as err:
        return ctx.rejected(err, statuses=(400, 404, 422, 501))
    found = _compaction_items(compacted.output)
    require(
        found,
        "compact's output holds no compaction item",
        received=[getattr(i, "type", None) for i in compacted.output],
    )
    answer = await ctx.client.responses.create(model=ctx.model, input=[*found, user(QUESTION)])
    require_model(
        "quince" in text_of(answer).lower(),
        "the compaction item did not carry the conversation into the next turn",
        expected="quince",
        received=text_of(answer),
    )
    return Observed.SUPPORTED
