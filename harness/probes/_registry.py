"""Declaring probes: a decorator that turns an async function into a Probe and files it in the catalogue."""

from __future__ import annotations

from collections.abc import Callable

from harness.model import Expect, Level, Probe, ProbeRun, Profile

REGISTRY: list[Probe] = []
S, R, E = Expect.SUPPORTED, Expect.REJECTED, Expect.EITHER


def probe(
    probe_id: str,
    requirement: str,
    *,
    feature: str,
    native: Expect = S,
    chat: Expect = S,
    level: Level = Level.MUST,
) -> Callable[[ProbeRun], ProbeRun]:
    def register(run: ProbeRun) -> ProbeRun:
        expect = {Profile.NATIVE: native, Profile.CHAT_TRANSLATED: chat}
        REGISTRY.append(Probe(probe_id, requirement, level, feature, expect, run))
        return run

    return register
