"""Calls whose outcome decides a probe: one the gateway may refuse cleanly (the probe ends as that rejection), one
it must answer, a thing it must no longer have; and the checks the state probes share (the same output retrieved,
the code word remembered, the turn appended)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import openai
from openai.types.responses import Response

from harness.context import ProbeContext, require, require_model
from harness.model import Observation, Observed, ProbeFailure
from harness.probes._registry import Refused

T = TypeVar("T")
REFUSALS = (400, 404, 422, 501)


async def unless_refused(
    ctx: ProbeContext,
    call: Awaitable[T],
    *,
    mentions: str | None = None,
    statuses: tuple[int, ...] = REFUSALS,
    refusal: type[openai.APIStatusError] = openai.APIStatusError,
) -> T:
    """The call's answer; or, where the gateway refuses it (a `refusal`), the probe ends as that rejection once
    ctx.rejected finds it clean (a 4xx or 501 envelope in `statuses`, naming `mentions` where given)."""
    try:
        return await call
    except refusal as err:
        raise Refused(ctx.rejected(err, mentions=mentions, statuses=statuses)) from err


async def answered(
    call: Awaitable[T],
    failure: str,
    *,
    expected: str = "200",
    refusal: type[openai.APIStatusError] = openai.APIStatusError,
) -> T:
    """The call's answer; a `refusal` of it is the ProbeFailure `failure`, received as `<status> <message>`."""
    try:
        return await call
    except refusal as err:
        raise ProbeFailure(failure, expected=expected, received=f"{err.status_code} {err.message}") from err


async def gone(fetch: Awaitable[object], failure: str, *, received: str = "200") -> Observation:
    """SUPPORTED when `fetch` is a 404; else the ProbeFailure `failure` (the thing is still there)."""
    try:
        await fetch
    except openai.NotFoundError:
        return Observed.SUPPORTED
    raise ProbeFailure(failure, expected="404", received=received)


def require_same_output(created: Response, fetched: Response, differs: str) -> None:
    """A retrieved response is the one created, with the same output."""
    require(fetched.id == created.id, "retrieve returned another response", expected=created.id, received=fetched.id)
    require(
        fetched.output_text == created.output_text,
        differs,
        expected=created.output_text,
        received=fetched.output_text,
    )


def require_remembered(word: str, answer: str, forgot: str) -> None:
    """The answer to the code-word question holds the word said in an earlier turn (a check on the model's answer:
    a real model may forget with the gateway intact)."""
    require_model(word in answer.lower(), forgot, expected=word, received=answer)


async def require_appended(client: openai.AsyncOpenAI, conversation_id: str, lost: str) -> None:
    """The conversation holds its first item, the question and the answer."""
    items = await client.conversations.items.list(conversation_id, order="asc")
    require(
        len(items.data) >= 3,
        lost,
        expected="the first item, the question and the answer",
        received=f"{len(items.data)} items",
    )
