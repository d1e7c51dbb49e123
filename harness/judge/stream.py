"""The Responses stream grammar: ordering, numbering, lifecycle and consistency rules over parsed SSE events."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from harness.model import Finding, Level, Strictness
from harness.wire import Exchange

TERMINAL = ("response.completed", "response.failed", "response.incomplete")


def _lvl(strict_from: Strictness, level: Strictness) -> Level:
    order = [Strictness.SDK, Strictness.OPENAI, Strictness.OPENRESPONSES]
    return Level.MUST if order.index(level) >= order.index(strict_from) else Level.SHOULD


def stream_findings(ex: Exchange, level: Strictness) -> list[Finding]:
    assert ex.sse is not None
    out: list[Finding] = []

    def add(rule: str, lv: Level, message: str, where: str = "", expected: str = "", received: str = "") -> None:
        out.append(Finding(rule, lv, message, ex.index, where, expected, received))

    for error in ex.sse.errors:
        add("sse.syntax", Level.MUST, error)
    events = [e for e in ex.sse.events if isinstance(e.payload, dict)]
    if not events:
        add("sse.empty", Level.MUST, "the stream carried no events", expected="response.created ... terminal event")
        return out
    types = [str(e.payload.get("type")) for e in events]
    for e in events:
        kind = e.payload.get("type")
        if not kind:
            add("sse.type", Level.MUST, "event without a type", f"event {e.index}")
        elif e.event is None:
            add(
                "sse.event_name",
                _lvl(Strictness.OPENRESPONSES, level),
                "event without an `event:` line",
                f"event {e.index} {kind}",
                expected=f"event: {kind}",
                received="(none)",
            )
        elif e.event != kind:
            add(
                "sse.event_name",
                _lvl(Strictness.OPENAI, level),
                "`event:` differs from the payload type",
                f"event {e.index}",
                expected=f"event: {kind}",
                received=f"event: {e.event}",
            )
    _numbering(events, level, add)
    if types[0] != "response.created":
        add(
            "stream.first",
            Level.MUST,
            "the first event must be response.created",
            "event 0",
            expected="response.created",
            received=types[0],
        )
    terminals = [i for i, t in enumerate(types) if t in TERMINAL]
    if len(terminals) != 1:
        add(
            "stream.terminal",
            Level.MUST,
            "exactly one terminal event is required",
            "",
            expected="one of " + ", ".join(TERMINAL),
            received=f"{len(terminals)} terminal events",
        )
    elif terminals[0] != len(types) - 1:
        add(
            "stream.terminal",
            Level.MUST,
            "the terminal event must be the last event",
            f"event {terminals[0]}",
            expected=f"{types[terminals[0]]} last",
            received=f"followed by {types[terminals[0] + 1]}",
        )
    if level is Strictness.OPENRESPONSES and not ex.sse.done:
        add(
            "sse.done",
            Level.MUST,
            "Open Responses streams end with `data: [DONE]`",
            expected="[DONE]",
            received="no [DONE]",
        )
    _ids(events, add)
    _items(events, add)
    return out


def _numbering(events: list[Any], level: Strictness, add: Any) -> None:
    lv = _lvl(Strictness.OPENAI, level)
    missing = [e.index for e in events if "sequence_number" not in e.payload]
    if missing:
        add(
            "stream.sequence_number",
            lv,
            "events without sequence_number",
            f"event {missing[0]}",
            expected="sequence_number on every event",
            received=f"{len(missing)} events without it",
        )
        return
    for position, e in enumerate(events):
        if e.payload["sequence_number"] != position:
            add(
                "stream.sequence_number",
                lv,
                "sequence_number must start at 0 and rise by 1",
                f"event {e.index} {e.payload.get('type')}",
                expected=str(position),
                received=str(e.payload["sequence_number"]),
            )
            return


def _ids(events: list[Any], add: Any) -> None:
    ids = {e.payload["response"].get("id") for e in events if isinstance(e.payload.get("response"), dict)}
    if len(ids) > 1:
        add(
            "stream.response_id",
            Level.MUST,
            "the response id changed during the stream",
            expected="one response id",
            received=", ".join(sorted(map(str, ids))),
        )


_ORDER = {
    "response.output_item.added": 0,
    "response.content_part.added": 1,
    "response.output_text.delta": 2,
    "response.function_call_arguments.delta": 2,
    "response.output_text.done": 3,
    "response.function_call_arguments.done": 3,
    "response.content_part.done": 4,
    "response.output_item.done": 5,
}


def _items(events: list[Any], add: Any) -> None:
    stage: dict[int, int] = {}
    text: dict[tuple[int, int], str] = defaultdict(str)
    args: dict[int, str] = defaultdict(str)
    done_items: dict[int, dict[str, Any]] = {}
    for e in events:
        p = e.payload
        kind = p.get("type")
        if kind not in _ORDER or not isinstance(p.get("output_index"), int):
            continue
        index, rank = p["output_index"], _ORDER[kind]
        before = stage.get(index, -1)
        if (before == -1 and rank != 0) or rank < before or (rank == before and rank in (0, 5)):
            add(
                "stream.item_order",
                Level.MUST,
                "item lifecycle out of order",
                f"event {e.index} {kind}",
                expected="output_item.added -> content_part.added -> deltas -> .done -> content_part.done -> "
                "output_item.done",
                received=f"{kind} after stage {before}",
            )
            return
        stage[index] = rank
        key = (index, int(p.get("content_index", 0)))
        if kind == "response.output_text.delta":
            text[key] += str(p.get("delta", ""))
        elif kind == "response.output_text.done" and text[key] != p.get("text"):
            add(
                "stream.text_deltas",
                Level.MUST,
                "text deltas do not concatenate to output_text.done",
                f"event {e.index}",
                expected=repr(p.get("text"))[:200],
                received=repr(text[key])[:200],
            )
        elif kind == "response.function_call_arguments.delta":
            args[index] += str(p.get("delta", ""))
        elif kind == "response.function_call_arguments.done" and args[index] != p.get("arguments"):
            add(
                "stream.argument_deltas",
                Level.MUST,
                "argument deltas do not concatenate to .done arguments",
                f"event {e.index}",
                expected=repr(p.get("arguments"))[:200],
                received=repr(args[index])[:200],
            )
        elif kind == "response.output_item.done" and isinstance(p.get("item"), dict):
            done_items[index] = p["item"]
    unfinished = [i for i, s in stage.items() if s != 5]
    terminal = events[-1].payload
    if unfinished and terminal.get("type") == "response.completed":
        add(
            "stream.item_open",
            Level.MUST,
            "response.completed arrived while items were still open",
            expected="output_item.done for every item",
            received=f"open output_index {unfinished}",
        )
    if terminal.get("type") == "response.completed" and isinstance(terminal.get("response"), dict):
        output = terminal["response"].get("output") or []
        want = [done_items[i].get("id") for i in sorted(done_items)]
        got = [item.get("id") for item in output if isinstance(item, dict)]
        if want != got:
            add(
                "stream.completed_output",
                Level.MUST,
                "response.completed must carry the whole output",
                expected=f"items {want}",
                received=f"items {got}",
            )
        for i, item in done_items.items():
            if i < len(output) and item.get("type") == "message" and output[i] != item:
                add(
                    "stream.completed_output",
                    Level.MUST,
                    "an item in response.completed differs from its output_item.done",
                    f"output[{i}]",
                )
