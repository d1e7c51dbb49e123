"""Collecting findings for one exchange, and keeping the list readable: no duplicates, a few of each kind and a
count of the rest."""

from __future__ import annotations

from collections.abc import Iterable

from harness.model import Finding, Level

MAX_PER_RULE = 5
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
    """Drop exact repeats and list the first `cap` findings of each rule and level (a broken stream repeats
    itself); the rest are not dropped silently: one more finding per rule says how many were elided."""
    out: list[Finding] = []
    seen: set[Finding] = set()
    per_rule: dict[tuple[str, Level], int] = {}
    last: dict[tuple[str, Level], Finding] = {}
    for finding in findings:
        if finding in seen:
            continue
        seen.add(finding)
        key = (finding.rule, finding.level)
        per_rule[key] = per_rule.get(key, 0) + 1
        last[key] = finding
        if per_rule[key] <= cap:
            out.append(finding)
    for (rule, level), count in per_rule.items():
        if count > cap:
            elided = count - cap
            out.append(
                Finding(
                    rule,
                    level,
                    f"{elided} more {rule} finding{'s' if elided != 1 else ''} like the above, not listed",
                    last[(rule, level)].exchange,
                    elided=elided,
                )
            )
    return out
