"""Common causes: many probes on one target failing with the same HTTP status and error text are one defect (a
route that does not speak /v1/responses at all), said once at the top of every report rather than N times."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.model import Outcome, Verdict

MIN_PROBES = 5  # at least this many probes, or half of the target's probes that ran
HTTP = re.compile(r"\bHTTP (\d{3})\b\s*(.*)", re.S)
MESSAGE = re.compile(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)"')
IDS = (
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b[A-Za-z]+_[A-Za-z0-9]{8,}\b"), "<id>"),  # resp_..., msg_..., call_..., conv_...
    (re.compile(r"\b[0-9a-f]{16,}\b", re.I), "<id>"),
    (re.compile(r"\b\d{4,}\b"), "<n>"),
)


@dataclass(frozen=True)
class Cause:
    target: str
    status: int
    text: str
    probes: tuple[str, ...]

    @property
    def summary(self) -> str:
        """`46 probes: HTTP 500 'createModelResponse is not supported by anthropic'`."""
        return f"{len(self.probes)} probes: HTTP {self.status} {self.text!r}"

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "count": len(self.probes),
            "status": self.status,
            "text": self.text,
            "summary": self.summary,
            "probes": list(self.probes),
        }


def normalise(text: str) -> str:
    """The error text without what differs between requests (ids, counters, timestamps), whitespace folded."""
    for pattern, replacement in IDS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())[:160]


def _error_text(rest: str) -> str:
    found = MESSAGE.search(rest)
    if found:
        try:
            return str(json.loads(f'"{found.group(1)}"'))
        except ValueError:
            return found.group(1)
    rest = re.sub(r"\s*\(code [^)]*\)\s*$", "", rest.strip())
    if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "'\"":
        rest = rest[1:-1]
    return rest


def failure_key(verdict: Verdict) -> tuple[int, str] | None:
    """(HTTP status, normalised error text) of a failed verdict, read from what it received (or its message)."""
    if verdict.outcome not in (Outcome.FAIL, Outcome.NON_STRICT):
        return None
    for text in (verdict.received, verdict.message):
        found = HTTP.search(text or "")
        if found:
            return int(found.group(1)), normalise(_error_text(found.group(2)))
    return None


def common_causes(verdicts: Sequence[Verdict]) -> list[Cause]:
    """Per target, every (status, text) shared by at least MIN_PROBES failed probes, or by at least half of the
    probes that ran (and at least two); the largest first."""
    causes: list[Cause] = []
    for target in dict.fromkeys(v.target for v in verdicts):
        mine = [v for v in verdicts if v.target == target]
        ran = sum(v.outcome is not Outcome.SKIP for v in mine)
        groups: dict[tuple[int, str], list[str]] = {}
        for verdict in mine:
            key = failure_key(verdict)
            if key is not None:
                groups.setdefault(key, []).append(verdict.probe)
        for (status, text), probes in groups.items():
            if len(probes) >= 2 and (len(probes) >= MIN_PROBES or 2 * len(probes) >= ran):
                causes.append(Cause(target, status, text, tuple(probes)))
    return sorted(causes, key=lambda c: (-len(c.probes), c.target))
