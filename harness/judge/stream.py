"""The Responses stream grammar over parsed SSE events: naming, numbering, first and terminal events, one response
id, every event valid for the schema of its `type`, and (in items.py) each output item's lifecycle.

How strictly `event:` lines, sequence numbers and `[DONE]` are read comes from the overlay's `stream` settings.
"""

from __future__ import annotations

from typing import Any

from harness.judge.items import ItemTracker
from harness.judge.report import Report, level_of
from harness.judge.schemas import event_file, overlay, schema_errors
from harness.model import Level, Strictness
from harness.wire import SSEEvent, SSEParse

TERMINAL = ("response.completed", "response.failed", "response.incomplete")


def judge_stream(sse: SSEParse, level: Strictness, report: Report, first: int = 0) -> None:
    """`first` is the sequence number the stream must start at: above 0 for a stream resumed with
    `starting_after`, which begins mid-response (so neither response.created nor whole item lifecycles apply)."""
    settings = overlay(level).get("stream", {})
    for error in sse.errors:
        report.add("sse.syntax", Level.MUST, error, expected="a well-formed text/event-stream")
    if sse.unterminated is not None:
        done = sse.unterminated.strip() == "[DONE]"
        report.add(
            "sse.unterminated",
            (level_of(settings.get("done")) or Level.SHOULD) if done else Level.MUST,
            "the stream ends without the blank line that dispatches its last event: clients drop it",
            "end of stream",
            expected="a blank line after every event",
            received=f"never dispatched: {sse.unterminated[:80]!r}",
        )
    events = [e for e in sse.events if isinstance(e.payload, dict) and isinstance(e.payload.get("type"), str)]
    typed = {e.index for e in events}
    for e in sse.events:
        if e.index not in typed and e.payload is not None:
            report.add(
                "sse.type", Level.MUST, "event without a string `type`", f"event {e.index}", received=e.data[:80]
            )
    if not events:
        report.add("stream.empty", Level.MUST, "the stream carried no events", expected="response.created ... terminal")
        return
    _names(events, settings, report)
    _numbering(events, level_of(settings.get("sequence_number")), report, first)
    _first_and_terminal(events, report, resumed=first > 0)
    if not sse.done:
        report.add(
            "sse.done",
            level_of(settings.get("done")),
            "the stream does not end with `data: [DONE]`",
            expected="data: [DONE]",
            received="no [DONE]",
        )
    _one_response(events, report)
    if not first:
        tracker = ItemTracker(report)
        for e in events:
            tracker.feed(e)
        last = events[-1]
        tracker.finish(last if last.payload["type"] in TERMINAL else None)
    _usage(events[-1], level, report)
    for e in events:
        _event_schema(e, level, report)


def _names(events: list[SSEEvent], settings: dict[str, Any], report: Report) -> None:
    for e in events:
        kind = e.payload["type"]
        if e.event is None:
            setting, message, received = "event_name_missing", "event without an `event:` line", "(none)"
        elif e.event != kind:
            setting, message = "event_name_mismatch", "the `event:` line differs from the payload's type"
            received = f"event: {e.event}"
        else:
            continue
        report.add(
            "sse.event_name",
            level_of(settings.get(setting)),
            message,
            f"event {e.index} {kind}",
            expected=f"event: {kind}",
            received=received,
        )


def _numbering(events: list[SSEEvent], level: Level | None, report: Report, first: int) -> None:
    missing = [e for e in events if "sequence_number" not in e.payload]
    if missing:
        report.add(
            "stream.sequence_number",
            level,
            "events without sequence_number",
            f"event {missing[0].index} {missing[0].payload['type']}",
            expected="sequence_number on every event",
            received=f"{len(missing)} of {len(events)} events without it",
        )
        return
    for position, e in enumerate(events, start=first):
        if e.payload["sequence_number"] != position:
            report.add(
                "stream.sequence_number",
                level,
                f"sequence_number must start at {first} and rise by 1",
                f"event {e.index} {e.payload['type']}",
                expected=str(position),
                received=repr(e.payload["sequence_number"]),
            )
            return


def _first_and_terminal(events: list[SSEEvent], report: Report, resumed: bool) -> None:
    types = [e.payload["type"] for e in events]
    if types[0] != "response.created" and not resumed:
        report.add(
            "stream.first",
            Level.MUST,
            "the first event must be response.created",
            f"event {events[0].index} {types[0]}",
            expected="response.created",
            received=types[0],
        )
    terminals = [position for position, kind in enumerate(types) if kind in TERMINAL]
    if len(terminals) != 1:
        report.add(
            "stream.terminal",
            Level.MUST,
            "exactly one terminal event is required",
            ", ".join(f"event {events[i].index} {types[i]}" for i in terminals),
            expected="one of " + ", ".join(TERMINAL),
            received=f"{len(terminals)} terminal events",
        )
    if terminals and terminals[0] != len(types) - 1:
        first = terminals[0]
        report.add(
            "stream.terminal",
            Level.MUST,
            "the terminal event must be the last event",
            f"event {events[first].index} {types[first]}",
            expected=f"{types[first]} last",
            received=f"followed by {types[first + 1]}",
        )


def _usage(last: SSEEvent, level: Strictness, report: Report) -> None:
    """`usage` in a stream's response.completed, as in a plain answer: clients count tokens from it. The SDK copes
    without it (a SHOULD at `sdk` level)."""
    if last.payload.get("type") != "response.completed":
        return
    response = last.payload.get("response")
    if isinstance(response, dict) and not isinstance(response.get("usage"), dict):
        report.add(
            "stream.usage",
            Level.SHOULD if level is Strictness.SDK else Level.MUST,
            "response.completed carries no usage",
            f"event {last.index} response.completed $.response.usage",
            expected="usage {input_tokens, output_tokens, total_tokens, ...}",
            received=repr(response.get("usage")),
        )


def _one_response(events: list[SSEEvent], report: Report) -> None:
    first: Any = None
    for e in events:
        response = e.payload.get("response")
        found = response.get("id") if isinstance(response, dict) else e.payload.get("response_id")
        if found is None:
            continue
        if first is None:
            first = found
        elif found != first:
            report.add(
                "stream.response_id",
                Level.MUST,
                "the response id changed during the stream",
                f"event {e.index} {e.payload['type']}",
                expected=str(first),
                received=str(found),
            )
            return


def _event_schema(e: SSEEvent, level: Strictness, report: Report) -> None:
    kind = e.payload["type"]
    where = f"event {e.index} {kind}"
    file = event_file(level, kind)
    if file is None:
        report.add(
            "stream.unknown_event", Level.SHOULD, "event type unknown to the specification", where, received=kind
        )
        return
    errors = schema_errors(file, e.payload, level)
    for path, text in errors:
        report.add("schema.event", Level.MUST, f"{kind} does not match its schema", f"{where} {path}", received=text)
    if level is Strictness.SDK:
        # What only OpenAI's stricter reading rejects still deserves a word, but the SDK copes with it.
        strict = event_file(Strictness.OPENAI, kind)
        for path, text in schema_errors(strict, e.payload, Strictness.OPENAI) if strict else []:
            if (path, text) not in errors:
                report.add(
                    "schema.event",
                    Level.SHOULD,
                    f"{kind} does not match OpenAI's schema",
                    f"{where} {path}",
                    received=text,
                )
