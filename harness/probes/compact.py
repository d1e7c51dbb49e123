"""responses.compact: a missing model is a 400, the output carries a `compaction` item, and a later turn given
only that item (or the whole output) still knows what was said."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from openai.types.responses import CompactedResponse

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeFailure
from harness.probes._calls import require_remembered, unless_refused
from harness.probes._checks import assistant, text_of, user
from harness.probes._registry import E, bound, probe

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


def _found(compacted: CompactedResponse, expected: str = "") -> list[dict[str, Any]]:
    """The compaction items of compact's output, of which there must be one."""
    found = _compaction_items(compacted.output)
    require(
        found,
        "compact's output holds no compaction item",
        expected=expected,
        received=[getattr(i, "type", None) for i in compacted.output],
    )
    return found


async def _item(ctx: ProbeContext, compacted: CompactedResponse) -> None:
    found = _found(compacted, "an item of type compaction")
    require(
        isinstance(found[0].get("encrypted_content"), str) and found[0]["encrypted_content"],
        "the compaction item carries no encrypted_content",
        received=found[0],
    )


async def _chained(ctx: ProbeContext, compacted: CompactedResponse) -> None:
    found = _found(compacted)
    answer = await ctx.client.responses.create(model=ctx.model, input=[*found, user(QUESTION)])
    require_remembered(
        "quince", text_of(answer), "the compaction item did not carry the conversation into the next turn"
    )


async def _roundtrip(ctx: ProbeContext, compacted: CompactedResponse) -> None:
    require(
        compacted.object == "response.compaction",
        "wrong object type",
        expected="response.compaction",
        received=compacted.object,
    )
    require(compacted.output, "compaction returned no output", received=compacted.model_dump_json()[:200])
    carried = [item.model_dump(exclude_none=True, warnings=False) for item in compacted.output]
    answer = await ctx.client.responses.create(model=ctx.model, input=[*carried, user(QUESTION)])
    require_remembered("walnut", text_of(answer), "the compacted history lost the code word")


@dataclass(frozen=True)
class CompactCase:
    """One compact probe: the history compacted, and the checks of what compact made of it (which may take a turn
    more). A clean refusal of compact is the probe's rejection."""

    id: str
    requirement: str
    history: list[dict[str, Any]]
    check: Callable[[ProbeContext, CompactedResponse], Awaitable[None]]


async def run_case(ctx: ProbeContext, case: CompactCase) -> Observation:
    """The one runner of the compact cases."""
    compacted = await unless_refused(ctx, ctx.client.responses.compact(model=ctx.model, input=case.history))
    await case.check(ctx, compacted)
    return Observed.SUPPORTED


CASES = (
    CompactCase(
        "responses.compact.item",
        "compact's output MUST hold a `compaction` item carrying encrypted_content, or compact be rejected cleanly.",
        [user(phrases.remember("thistle")), assistant("Noted.")],
        _item,
    ),
    CompactCase(
        "responses.compact.chained",
        "A later turn given only compact's compaction item MUST still know the conversation (the code word), or "
        "compact be rejected cleanly.",
        [user(phrases.remember("quince")), assistant("Noted."), user("Thanks."), assistant("Welcome.")],
        _chained,
    ),
    CompactCase(
        "responses.compact.roundtrip",
        "compact MUST return output that keeps the conversation's facts (the code word survives), or be rejected "
        "cleanly.",
        [user(phrases.remember("walnut")), assistant("Noted.")],
        _roundtrip,
    ),
)
for _case in CASES:
    probe(_case.id, _case.requirement, feature="compact", native=E, chat=E)(
        bound(run_case, _case, _case.id.rsplit(".", 1)[1])
    )
