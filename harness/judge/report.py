"""Collecting findings for one exchange, and keeping the list readable: no duplicates, a few of each kind and a
count of the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from harness.judge.signature import Signature, signature
from harness.model import Finding, Level

MAX_PER_RULE = 20  # distinct findings (signatures) of one rule listed per probe
_LEVELS = {"MUST": Level.MUST, "SHOULD": Level.SHOULD, "MAY": Level.MAY}


def level_of(setting: str | None) -> Level | None:
    """An overlay's stream setting ("MUST", "SHOULD" or null for "not checked") as a Level."""
    return None if setting is None else _LEVELS[setting]


class Report:
    """The findings of one exchange, built up rule by rule."""

    def __init__(self, exchange: int) -> None:
        self.exchange = exchange
        self.findings: list[Finding] = []

    def add(
        self,
        rule: str,
        level: Level | None,
        message: str,
        where: str = "",
        expected: str = "",
        received: str = "",
    ) -> None:
        # A None level is a rule the strictness level switched off.
        if level is not None:
            self.findings.append(Finding(rule, level, message, self.exchange, where, expected, received))

    def failed(self, rule: str) -> bool:
        return any(f.rule == rule for f in self.findings)


def tidy(findings: Iterable[Finding], cap: int = MAX_PER_RULE) -> list[Finding]:
    """Each distinct finding once: the first of every signature (harness/judge/signature.py: rule, normalised place
    and received value) is listed with `repeats` counting them all, so a broken stream that repeats itself on every
    event is one entry, and every distinct defect of a probe is listed. Past `cap` distinct signatures of one rule
    and level, one more finding says how many further findings were elided (never dropped silently)."""
    firsts: dict[Signature, Finding] = {}
    repeats: dict[Signature, int] = {}
    seen: set[Finding] = set()
    for finding in findings:
        if finding in seen:
            continue
        seen.add(finding)
        key = signature(finding)
        firsts.setdefault(key, finding)
        repeats[key] = repeats.get(key, 0) + 1
    out: list[Finding] = []
    listed: dict[tuple[str, Level], int] = {}
    elided: dict[tuple[str, Level], tuple[int, int]] = {}  # (rule, level) -> (findings not listed, last exchange)
    for key, finding in firsts.items():
        kind = (finding.rule, finding.level)
        listed[kind] = listed.get(kind, 0) + 1
        if listed[kind] <= cap:
            out.append(replace(finding, repeats=repeats[key]))
        else:
            count, _ = elided.get(kind, (0, 0))
            elided[kind] = (count + repeats[key], finding.exchange)
    for (rule, level), (count, exchange) in elided.items():
        message = f"{count} more {rule} finding{'s' if count != 1 else ''} of other kinds, not listed"
        out.append(Finding(rule, level, message, exchange, elided=count))
    return out
