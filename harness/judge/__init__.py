"""The wire judge: every recorded exchange checked for status, content type, envelope, schema and stream grammar."""

from __future__ import annotations

import re

from harness.judge.schemas import validate, validate_event
from harness.judge.stream import stream_findings
from harness.model import Finding, Level, Strictness
from harness.wire import Exchange

__all__ = ["judge_exchange", "judge_exchanges", "validate"]

# (method, path pattern) -> schema name for a successful JSON answer.
ENDPOINTS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), name)
    for method, pattern, name in (
        ("POST", r"/responses$", "Response"),
        ("POST", r"/responses/input_tokens$", "TokenCountsResource"),
        ("POST", r"/responses/compact$", "CompactResource"),
        ("GET", r"/responses/[^/]+/input_items$", "ResponseItemList"),
        ("GET", r"/responses/[^/]+$", "Response"),
        ("POST", r"/conversations$", "ConversationResource"),
        ("GET", r"/conversations/[^/]+$", "ConversationResource"),
        ("POST", r"/conversations/[^/]+$", "ConversationResource"),
        ("DELETE", r"/conversations/[^/]+$", "DeletedConversationResource"),
        ("GET", r"/conversations/[^/]+/items$", "ConversationItemList"),
        ("POST", r"/conversations/[^/]+/items$", "ConversationItemList"),
        ("GET", r"/conversations/[^/]+/items/[^/]+$", "ConversationItem"),
        ("DELETE", r"/conversations/[^/]+/items/[^/]+$", "ConversationResource"),
    )
)
MAX_PER_RULE = 5


def schema_for(ex: Exchange) -> str | None:
    for method, pattern, name in ENDPOINTS:
        if ex.method == method and pattern.search(ex.path):
            return name
    return None


def _schema_findings(ex: Exchange, name: str, instance: object, level: Strictness, where: str) -> list[Finding]:
    out = [
        Finding(
            "schema." + name,
            Level.MUST,
            f"{name} does not match the {level.value} schema",
            ex.index,
            where,
            received=message,
        )
        for message in validate(name, instance, level)
    ]
    if level is Strictness.SDK:
        strict = set(validate(name, instance, Strictness.OPENAI)) - {f.received for f in out}
        out += [
            Finding(
                "schema." + name,
                Level.SHOULD,
                f"{name} does not match OpenAI's published schema",
                ex.index,
                where,
                received=message,
            )
            for message in sorted(strict)
        ]
    return out


def _error_findings(ex: Exchange, level: Strictness) -> list[Finding]:
    body = ex.response_json
    error = body.get("error") if isinstance(body, dict) else None
    if (
        not isinstance(error, dict)
        or not isinstance(error.get("message"), str)
        or not isinstance(error.get("type"), str)
    ):
        return [
            Finding(
                "error.envelope",
                Level.MUST,
                "an error answer must carry the OpenAI error envelope",
                ex.index,
                "body",
                expected='{"error": {"type", "message", "param", "code"}}',
                received=ex.body[:200],
            )
        ]
    missing = [key for key in ("param", "code") if key not in error]
    if missing:
        return [
            Finding(
                "error.envelope",
                Level.SHOULD,
                "the error envelope lacks " + ", ".join(missing),
                ex.index,
                "$.error",
                expected="param and code keys (null allowed)",
                received=str(sorted(error)),
            )
        ]
    return []


def judge_exchange(ex: Exchange, level: Strictness) -> list[Finding]:
    if ex.status >= 400:
        return _error_findings(ex, level)
    if ex.status == 101 or ex.status < 200 or ex.status >= 300:
        return []
    name = schema_for(ex)
    if name is None:
        return []
    wants_stream = isinstance(ex.request_json, dict) and ex.request_json.get("stream") is True
    if name == "Response" and ex.method == "POST" and wants_stream:
        if ex.sse is None:
            return [
                Finding(
                    "stream.content_type",
                    Level.MUST,
                    "stream: true was answered without an event stream",
                    ex.index,
                    "Content-Type",
                    expected="text/event-stream",
                    received=ex.content_type,
                )
            ]
        out = stream_findings(ex, level)
        for event in ex.sse.events:
            if not isinstance(event.payload, dict):
                continue
            messages = validate_event(event.payload, level)
            where = f"event {event.index} {event.payload.get('type')}"
            if messages is None:
                out.append(
                    Finding(
                        "stream.unknown_event",
                        Level.SHOULD,
                        "event type unknown to the specification",
                        ex.index,
                        where,
                        received=str(event.payload.get("type")),
                    )
                )
                continue
            out += [
                Finding("schema.event", Level.MUST, "event does not match its schema", ex.index, where, received=m)
                for m in messages
            ]
        return out
    if not ex.content_type.startswith("application/json"):
        return [
            Finding(
                "http.content_type",
                Level.MUST,
                "a JSON answer must be application/json",
                ex.index,
                "Content-Type",
                expected="application/json",
                received=ex.content_type,
            )
        ]
    if ex.response_json is None:
        return [Finding("http.json", Level.MUST, "the body is not JSON", ex.index, "body", received=ex.body[:200])]
    return _schema_findings(ex, name, ex.response_json, level, "body")


def judge_exchanges(exchanges: list[Exchange], level: Strictness) -> list[Finding]:
    findings: list[Finding] = []
    per_rule: dict[str, int] = {}
    for ex in exchanges:
        for finding in judge_exchange(ex, level):
            per_rule[finding.rule] = per_rule.get(finding.rule, 0) + 1
            if per_rule[finding.rule] <= MAX_PER_RULE:
                findings.append(finding)
    return findings
