"""Chat Completions chunks -> the Responses streaming event lifecycle. Pure state machine, no I/O.

Events are emitted as soon as the chunk that causes them arrives, so the gateway never buffers a whole upstream
stream. `sequence_number` starts at 0 and rises by 1; the terminal event is always last.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from reference_gateway.ids import new_id
from reference_gateway.translate.response import function_call_item, message_item, skeleton, usage
from reference_gateway.translate.types import ChatChunk, ChatToolCall, ChatUsage


@dataclass
class _Call:
    output_index: int
    item_id: str
    call_id: str
    name: str
    arguments: str = ""


@dataclass
class ResponsesStream:
    request: dict[str, Any]
    response_id: str = field(default_factory=lambda: new_id("resp_"))
    created_at: int = field(default_factory=lambda: int(time.time()))
    _seq: int = 0
    _output: list[dict[str, Any]] = field(default_factory=list)
    _text_index: int | None = None
    _text_id: str = ""
    _text: str = ""
    _calls: dict[int, _Call] = field(default_factory=dict)
    _usage: ChatUsage | None = None
    _finish: str | None = None
    finished: bool = False
    final: dict[str, Any] | None = None

    def _event(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"type": kind, **fields, "sequence_number": self._seq}
        self._seq += 1
        return event

    def _snapshot(self, status: str) -> dict[str, Any]:
        return skeleton(self.request, self.response_id, self.created_at, status)

    def start(self) -> list[dict[str, Any]]:
        snap = self._snapshot("in_progress")
        return [self._event("response.created", response=snap), self._event("response.in_progress", response=snap)]

    def feed(self, chunk: ChatChunk) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        if chunk.get("usage"):
            self._usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if content:
                events += self._text_delta(content)
            for call in delta.get("tool_calls") or []:
                events += self._call_delta(call)
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
        return events

    def _text_delta(self, piece: str) -> list[dict[str, Any]]:
        events = []
        if self._text_index is None:
            self._text_index = len(self._output)
            self._text_id = new_id("msg_")
            self._output.append(message_item(self._text_id, "", "in_progress"))
            added = {**message_item(self._text_id, "", "in_progress"), "content": []}
            events.append(self._event("response.output_item.added", item=added, output_index=self._text_index))
            part = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
            events.append(self._event("response.content_part.added", **self._text_ref(), part=part))
        self._text += piece
        events.append(self._event("response.output_text.delta", **self._text_ref(), delta=piece, logprobs=[]))
        return events

    def _text_ref(self) -> dict[str, Any]:
        return {"content_index": 0, "item_id": self._text_id, "output_index": self._text_index}

    def _call_delta(self, call: ChatToolCall) -> list[dict[str, Any]]:
        index = int(call.get("index", 0))
        fn = call.get("function") or {}
        events = []
        if index not in self._calls:
            events += self._close_text()
            state = _Call(len(self._output), new_id("fc_"), call.get("id") or new_id("call_"), fn.get("name") or "")
            self._calls[index] = state
            item = function_call_item(state.item_id, state.call_id, state.name, "", "in_progress")
            self._output.append(item)
            events.append(self._event("response.output_item.added", item=item, output_index=state.output_index))
        state = self._calls[index]
        name = fn.get("name")
        if name and not state.name:
            state.name = name
        if fn.get("arguments"):
            state.arguments += fn["arguments"]
            events.append(
                self._event(
                    "response.function_call_arguments.delta",
                    delta=fn["arguments"],
                    item_id=state.item_id,
                    output_index=state.output_index,
                )
            )
        return events

    def _close_text(self) -> list[dict[str, Any]]:
        if self._text_index is None or self._output[self._text_index]["status"] == "completed":
            return []
        item = message_item(self._text_id, self._text)
        self._output[self._text_index] = item
        part = item["content"][0]
        return [
            self._event("response.output_text.done", **self._text_ref(), text=self._text, logprobs=[]),
            self._event("response.content_part.done", **self._text_ref(), part=part),
            self._event("response.output_item.done", item=item, output_index=self._text_index),
        ]

    def finish(self) -> list[dict[str, Any]]:
        """Close every open item and emit response.completed (or .incomplete on a length stop)."""
        events = self._close_text()
        for state in self._calls.values():
            item = function_call_item(state.item_id, state.call_id, state.name, state.arguments)
            self._output[state.output_index] = item
            events.append(
                self._event(
                    "response.function_call_arguments.done",
                    arguments=state.arguments,
                    name=state.name,
                    item_id=state.item_id,
                    output_index=state.output_index,
                )
            )
            events.append(self._event("response.output_item.done", item=item, output_index=state.output_index))
        if not self._output:
            # An empty answer is still a message, so the client sees a complete item lifecycle.
            events += self._text_delta("")
            events += self._close_text()
        incomplete = self._finish == "length"
        final = self._snapshot("incomplete" if incomplete else "completed")
        final["output"] = self._output
        final["usage"] = usage(self._usage)
        final["completed_at"] = None if incomplete else int(time.time())
        if incomplete:
            final["incomplete_details"] = {"reason": "max_output_tokens"}
        self.finished = True
        self.final = final
        events.append(self._event("response.incomplete" if incomplete else "response.completed", response=final))
        return events

    def fail(self, message: str, code: str = "server_error") -> list[dict[str, Any]]:
        """The terminal event for an upstream that broke mid-stream: response.failed with the partial output."""
        final = self._snapshot("failed")
        final["output"] = [item for item in self._output if item.get("status") == "completed"]
        final["error"] = {"code": code, "message": message}
        self.finished = True
        self.final = final
        return [self._event("response.failed", response=final)]
