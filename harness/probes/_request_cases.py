"""Probes that are one request each, as tables: a case is the request (besides the model), the checks its answer
must pass, and whether a clean 400 is an answer too; one runner sends every case."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import openai
from openai.types.responses import Response

from harness.context import ProbeContext, require
from harness.model import Expect, Level, Observation, Observed
from harness.probes._calls import unless_refused
from harness.probes._registry import S, bound, probe


@dataclass(frozen=True)
class RequestCase:
    """One probe of one request. `refusable`: a 400 is a clean rejection (naming `mentions` where given) rather
    than a failure: the route may refuse what the request sets."""

    id: str
    requirement: str
    feature: str
    request: Mapping[str, Any]
    check: Callable[[Response], None]
    refusable: bool = False
    mentions: str | None = None
    level: Level = Level.MUST
    native: Expect = S
    chat: Expect = S
    needs_emulator: bool = False


async def run_case(ctx: ProbeContext, case: RequestCase) -> Observation:
    """The one runner of the request cases."""
    ask = ctx.client.responses.create(model=ctx.model, **case.request)
    if case.refusable:
        ask = unless_refused(ctx, ask, mentions=case.mentions, refusal=openai.BadRequestError)
    response = await ask
    case.check(response)
    return Observed.SUPPORTED


def register(cases: Iterable[RequestCase]) -> None:
    """File every case as a probe, with its id, requirement, level, feature and expectations as declared."""
    for case in cases:
        declared = probe(
            case.id,
            case.requirement,
            feature=case.feature,
            native=case.native,
            chat=case.chat,
            level=case.level,
            needs_emulator=case.needs_emulator,
        )
        declared(bound(run_case, case, case.id.rsplit(".", 1)[1]))


def require_reported(answer: str, key: str, what: str) -> None:
    """The scripted model answered with its report of `what` (an answer starting with `key`)."""
    require(
        answer.startswith(key),
        f"the scripted model did not report its {what}",
        expected=f"{key}...",
        received=answer[:200],
    )
