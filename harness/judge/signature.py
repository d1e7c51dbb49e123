"""What makes two wire findings the same defect: one rule, at one normalised place, with one normalised received
value. Indices are generalised (`$.output[3].namespace` -> `$.output[*].namespace`), an event's position goes
(`event 7 response.output_text.delta` -> `response.output_text.delta`), a response snapshot is the same wherever a
lifecycle event carries it (`response.created $.response` -> `response.* $.response`), and ids and counters in the
received value are normalised out."""

from __future__ import annotations

import re

from harness.model import Finding, Level

INDEX = re.compile(r"\[\d+\]")
EVENT = re.compile(r"^event \d+ (?P<type>[\w.]+)(?: (?P<path>.*))?$")
UNTYPED_EVENT = re.compile(r"^event \d+$")
# Stream events whose `response` field is a whole response snapshot.
SNAPSHOT_EVENTS = frozenset(
    f"response.{name}" for name in ("created", "queued", "in_progress", "completed", "failed", "incomplete")
)
IDS = (
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b[A-Za-z]+_[A-Za-z0-9]{8,}\b"), "<id>"),  # resp_..., msg_..., call_..., conv_...
    (re.compile(r"\b[0-9a-f]{16,}\b", re.I), "<id>"),
    (re.compile(r"\b\d{4,}\b"), "<n>"),
)

Signature = tuple[str, Level, str, str]  # rule, level, place, received


def normalise(text: str) -> str:
    """A text without what differs between requests (ids, counters, timestamps), whitespace folded."""
    for pattern, replacement in IDS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())[:160]


def place(finding: Finding) -> str:
    """The finding's place with indices generalised and an event's position dropped."""
    where = INDEX.sub("[*]", finding.where)
    if finding.rule.startswith("sse.") and UNTYPED_EVENT.match(where):
        return "every event"  # an event without a type (`event 7`): the same whichever its position
    found = EVENT.match(where)
    if not found:
        return where
    kind, path = found["type"], found["path"] or ""
    if finding.rule.startswith("sse.") and not path:
        return "every event"  # a framing rule: the same whatever the event's type
    if kind in SNAPSHOT_EVENTS and path.startswith("$.response"):
        kind = "response.*"
    return f"{kind} {path}".strip()


def signature(finding: Finding) -> Signature:
    """(rule, level, place, received): equal for every finding that is the same deviation repeated."""
    return finding.rule, finding.level, place(finding), normalise(finding.received)
