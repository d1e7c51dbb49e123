"""Declaring probes: a decorator that turns an async function into a Probe and files it in the catalogue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from harness.model import Expect, Level, Observation, Probe, ProbeRun, ProbeSkip, Profile

if TYPE_CHECKING:
    from harness.context import ProbeContext

Case = TypeVar("Case")

REGISTRY: list[Probe] = []
S, R, E = Expect.SUPPORTED, Expect.REJECTED, Expect.EITHER
EMULATOR_ONLY = (
    "this probe needs the emulated upstreams' scripted model, and the target fronts a real provider (real_model)"
)


class Refused(Exception):
    """Ends a probe with `rejection`: what it asked for was refused cleanly (ctx.rejected checked the refusal)."""

    def __init__(self, rejection: Observation) -> None:
        super().__init__(str(rejection))
        self.rejection = rejection


def _settled(run: ProbeRun) -> ProbeRun:
    async def settled(ctx: object) -> Observation:
        try:
            return await run(ctx)
        except Refused as refused:
            return refused.rejection

    return settled


def _guarded(run: ProbeRun) -> ProbeRun:
    async def guarded(ctx: object) -> Observation:
        if getattr(getattr(ctx, "target", None), "real_model", False):
            raise ProbeSkip(EMULATOR_ONLY)
        return await run(ctx)

    return guarded


def probe(
    probe_id: str,
    requirement: str,
    *,
    feature: str,
    native: Expect = S,
    chat: Expect = S,
    level: Level = Level.MUST,
    needs_emulator: bool = False,
) -> Callable[[ProbeRun], ProbeRun]:
    """File a probe. `needs_emulator`: its pass condition holds only with the scripted model behind the gateway, so
    a target that fronts a real provider (`real_model: true`) skips it with that reason."""

    def register(run: ProbeRun) -> ProbeRun:
        expect = {Profile.NATIVE: native, Profile.CHAT_TRANSLATED: chat}
        body = _guarded(_settled(run)) if needs_emulator else _settled(run)
        REGISTRY.append(Probe(probe_id, requirement, level, feature, expect, body, needs_emulator=needs_emulator))
        return run

    return register


def bound(run_case: Callable[[ProbeContext, Case], Awaitable[Observation]], case: Case, name: str) -> ProbeRun:
    """The body of a probe that is one case of a table: the table's one runner, given that case."""

    async def run(ctx: ProbeContext) -> Observation:
        return await run_case(ctx, case)

    run.__name__ = name
    return run
