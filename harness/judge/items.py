"""Output items inside a Responses stream: their lifecycle order, and deltas that add up to what is finally said.

Per output_index the order is output_item.added -> content_part.added -> output_text.delta* -> output_text.done
-> content_part.done -> output_item.done (function calls: added -> arguments.delta* -> arguments.done -> done).
Text and argument deltas must concatenate to the .done event, to the item in output_item.done, and to the item
in the terminal response.completed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.judge.report import Report
from harness.model import Level
from harness.wire import SSEEvent

ORDER = (
    "output_item.added -> content_part.added -> output_text.delta* -> output_text.done -> content_part.done -> "
    "output_item.done"
)
TEXT_DELTA = {"response.output_text.delta": "delta", "response.refusal.delta": "delta"}
TEXT_DONE = {"response.output_text.done": "text", "response.refusal.done": "refusal"}
PART_TEXT = {"output_text": "text", "refusal": "refusal"}


@dataclass
class Part:
    kind: str = ""
    text: str = ""
    deltas: int = 0
    text_done: bool = False
    done: bool = False

    @property
    def known(self) -> bool:
        return self.deltas > 0 or self.text_done


@dataclass
class Item:
    id: str | None
    kind: str
    parts: dict[int, Part] = field(default_factory=dict)
    args: str = ""
    arg_deltas: int = 0
    args_done: bool = False
    done: bool = False
    broken: bool = False
    final: dict[str, Any] | None = None


def _short(value: Any) -> str:
    return repr(value)[:200]


class ItemTracker:
    """Follows every output item through the events of one stream."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.items: dict[int, Item] = {}

    def _order(self, event: SSEEvent, kind: str, item: Item | None, received: str) -> None:
        if item is not None:
            if item.broken:
                return
            # One finding per item: everything after the first misstep would only repeat it.
            item.broken = True
        self.report.add(
            "stream.item_order",
            Level.MUST,
            "item lifecycle out of order",
            f"event {event.index} {kind}",
            expected=ORDER,
            received=received,
        )

    def feed(self, event: SSEEvent) -> None:
        p = event.payload
        kind = str(p.get("type"))
        index = p.get("output_index")
        if not isinstance(index, int) or isinstance(index, bool):
            return
        item = self.items.get(index)
        if kind == "response.output_item.added":
            self._added(event, index, item)
            return
        if item is None:
            self._order(event, kind, None, f"{kind} for output_index {index} before its output_item.added")
            self.items[index] = item = Item(None, "", broken=True)
            return
        if item.done:
            self._order(event, kind, item, f"{kind} after output_item.done of output_index {index}")
            return
        item_id = p.get("item_id")
        if item.id and isinstance(item_id, str) and item_id != item.id:
            self.report.add(
                "stream.item_id",
                Level.MUST,
                "item_id differs from the id announced in output_item.added",
                f"event {event.index} {kind}",
                expected=item.id,
                received=item_id,
            )
        if kind == "response.output_item.done":
            self._item_done(event, item)
        elif kind.startswith("response.content_part.") or kind in TEXT_DELTA or kind in TEXT_DONE:
            self._part_event(event, kind, item)
        elif kind == "response.function_call_arguments.delta":
            if item.args_done:
                self._order(event, kind, item, "arguments delta after function_call_arguments.done")
            item.args += str(p.get("delta", ""))
            item.arg_deltas += 1
        elif kind == "response.function_call_arguments.done":
            if item.args_done:
                self._order(event, kind, item, "a second function_call_arguments.done")
            item.args_done = True
            self._same("stream.argument_deltas", event, item.args, p.get("arguments"), item.arg_deltas > 0)
            if not item.arg_deltas and isinstance(p.get("arguments"), str):
                # Sent whole: what the item must carry later is this, not an empty concatenation.
                item.args = p["arguments"]

    def _added(self, event: SSEEvent, index: int, item: Item | None) -> None:
        if item is not None:
            self._order(event, "response.output_item.added", item, f"a second output_item.added for {index}")
            return
        if index != len(self.items):
            self._order(
                event, "response.output_item.added", None, f"output_index {index} after {len(self.items)} items"
            )
        new = event.payload.get("item")
        new = new if isinstance(new, dict) else {}
        new_id = new.get("id") if isinstance(new.get("id"), str) else None
        twin = next((i for i, other in self.items.items() if new_id and other.id == new_id), None)
        if twin is not None:
            self.report.add(
                "item_id.unique",
                Level.MUST,
                "two output items share an id",
                f"event {event.index} response.output_item.added $.item.id",
                expected=f"an id not used by output_index {twin}",
                received=str(new_id),
            )
        self.items[index] = Item(new_id, str(new.get("type")))

    def _part_event(self, event: SSEEvent, kind: str, item: Item) -> None:
        p = event.payload
        content_index = p.get("content_index", 0)
        part = item.parts.get(content_index) if isinstance(content_index, int) else None
        if kind == "response.content_part.added":
            if part is not None:
                self._order(event, kind, item, f"a second content_part.added for content_index {content_index}")
                return
            new = p.get("part")
            item.parts[content_index] = Part(kind=str(new.get("type")) if isinstance(new, dict) else "")
            return
        if part is None:
            self._order(event, kind, item, f"{kind} before content_part.added for content_index {content_index}")
            item.parts[content_index] = part = Part()
        elif part.done:
            self._order(event, kind, item, f"{kind} after content_part.done")
            return
        if kind in TEXT_DELTA:
            if part.text_done:
                self._order(event, kind, item, f"{kind} after the text was done")
            part.text += str(p.get("delta", ""))
            part.deltas += 1
        elif kind in TEXT_DONE:
            if part.text_done:
                self._order(event, kind, item, f"a second {kind}")
            part.text_done = True
            said = p.get(TEXT_DONE[kind])
            self._same("stream.text_deltas", event, part.text, said, part.deltas > 0)
            if not part.deltas and isinstance(said, str):
                part.text = said
        elif kind == "response.content_part.done":
            if part.kind in PART_TEXT and not part.text_done:
                self.report.add(
                    "stream.text_done",
                    Level.MUST,
                    f"a {part.kind} part must be closed by response.{part.kind}.done before content_part.done",
                    f"event {event.index} {kind}",
                    expected=f"content_part.added -> deltas -> {part.kind}.done -> content_part.done",
                    received=f"content_part.done without response.{part.kind}.done",
                )
            part.done = True
            final = p.get("part")
            if isinstance(final, dict) and part.kind in PART_TEXT:
                self._same("stream.text_deltas", event, part.text, final.get(PART_TEXT[part.kind]), part.known)

    def _item_done(self, event: SSEEvent, item: Item) -> None:
        open_parts = sorted(i for i, part in item.parts.items() if not part.done)
        if open_parts:
            self._order(event, "response.output_item.done", item, f"output_item.done with content {open_parts} open")
        if item.arg_deltas and not item.args_done:
            self._order(event, "response.output_item.done", item, "output_item.done before arguments.done")
        item.done = True
        final = event.payload.get("item")
        if not isinstance(final, dict):
            return
        if item.id and isinstance(final.get("id"), str) and final["id"] != item.id:
            self.report.add(
                "stream.item_id",
                Level.MUST,
                "output_item.done carries another id than its output_item.added",
                f"event {event.index} response.output_item.done $.item.id",
                expected=item.id,
                received=final["id"],
            )
        item.final = final
        self._compare_item(event, item, final, "item")

    def _compare_item(self, event: SSEEvent, item: Item, final: dict[str, Any], where: str) -> None:
        content = final.get("content")
        if isinstance(content, list):
            for index, part in item.parts.items():
                said = content[index] if 0 <= index < len(content) and isinstance(content[index], dict) else {}
                key = PART_TEXT.get(part.kind)
                if key:
                    self._same("stream.text_deltas", event, part.text, said.get(key), part.known, where)
        if item.arg_deltas or item.args_done:
            self._same("stream.argument_deltas", event, item.args, final.get("arguments"), True, where)

    def _same(self, rule: str, event: SSEEvent, built: str, said: Any, known: bool, where: str = "") -> None:
        # With no deltas at all there is nothing to concatenate: a provider may send the text only at the end.
        if known and built != said:
            kind = event.payload.get("type")
            self.report.add(
                rule,
                Level.MUST,
                "the deltas do not concatenate to what the stream finally says",
                f"event {event.index} {kind}" + (f" {where}" if where else ""),
                expected=_short(said),
                received=_short(built),
            )

    def finish(self, terminal: SSEEvent | None) -> None:
        """Checks against response.completed: every item closed, and its output exactly the streamed items."""
        if terminal is None or terminal.payload.get("type") != "response.completed":
            return
        still_open = sorted(i for i, item in self.items.items() if not item.done)
        if still_open:
            self.report.add(
                "stream.item_open",
                Level.MUST,
                "response.completed arrived while items were still open",
                f"event {terminal.index} response.completed",
                expected="output_item.done for every item",
                received=f"open output_index {still_open}",
            )
        response = terminal.payload.get("response")
        output = response.get("output") if isinstance(response, dict) else None
        if not isinstance(output, list):
            return
        want = [self.items[i].id for i in sorted(self.items) if self.items[i].done]
        got = [item.get("id") if isinstance(item, dict) else None for item in output]
        if want != got:
            self.report.add(
                "stream.completed_output",
                Level.MUST,
                "response.completed must carry exactly the items the stream finished",
                f"event {terminal.index} response.completed $.response.output",
                expected=f"{len(want)} items {want}",
                received=f"{len(got)} items {got}",
            )
            return
        done = [index for index in sorted(self.items) if self.items[index].done]  # open ones are reported above
        for position, index in enumerate(done):
            final = output[position]
            if isinstance(final, dict):
                self._compare_item(terminal, self.items[index], final, f"$.response.output[{position}]")
