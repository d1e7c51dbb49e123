"""responses.background: a background response runs for real (queued, polled to completed, cancellable), or
`background` is rejected cleanly. A 200 that answered in the foreground with `background` unset is a silent drop."""

from __future__ import annotations

import asyncio

import openai

from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeFailure
from harness.probes._calls import unless_refused
from harness.probes._checks import require_text
from harness.probes._registry import E, probe

POLLS, INTERVAL = 40, 0.5


@probe(
    "responses.background",
    "`background: true` MUST run for real (queued or in_progress, polled to completed, cancellable) or be rejected "
    "with a 4xx naming background; a completed answer with background unset is a silent drop.",
    feature="background",
    native=E,
    chat=E,
)
async def background(ctx: ProbeContext) -> Observation:
    ask = ctx.client.responses.create(model=ctx.model, input="Reply with exactly backgrounded.", background=True)
    created = await unless_refused(ctx, ask, mentions="background")
    require(
        created.background is True,
        "background was silently dropped: the response does not say it ran in the background",
        expected="background: true (or a 400 naming background)",
        received=f"background={created.background!r}, status={created.status!r}",
    )
    require(
        created.status in ("queued", "in_progress", "completed"),
        "a background response must start queued or in_progress",
        expected="queued or in_progress",
        received=created.status,
    )
    current = created
    for _ in range(POLLS):
        if current.status not in ("queued", "in_progress"):
            break
        await asyncio.sleep(INTERVAL)
        current = await ctx.client.responses.retrieve(created.id)
    require(current.status == "completed", "the background response never completed", received=current.status)
    require_text(current, "backgrounded", why="the background response's answer is not the requested text")
    other = await ctx.client.responses.create(model=ctx.model, input="Reply with exactly cancelled.", background=True)
    try:
        cancelled = await ctx.client.responses.cancel(other.id)
    except openai.APIStatusError as err:
        raise ProbeFailure(
            "a background response could not be cancelled",
            expected="the response, status cancelled (or completed, if it finished first)",
            received=f"HTTP {err.status_code} {err.response.text[:200]!r}",
        ) from err
    require(
        cancelled.id == other.id,
        "cancel answered with another id than the response it was asked to cancel",
        expected=other.id,
        received=cancelled.id,
    )
    require(
        cancelled.status in ("cancelled", "completed"),
        "cancel did not cancel the background response",
        expected="status cancelled",
        received=f"status {cancelled.status}",
    )
    return Observed.SUPPORTED
