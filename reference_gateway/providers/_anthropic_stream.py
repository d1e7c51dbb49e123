"""Anthropic's stream events -> chat.completion.chunk dicts, one event at a time (nothing is buffered).

message_start gives the id and input usage; each tool_use content_block_start opens a chat tool call (index, id,
name) whose input_json_delta fragments follow as argument deltas; message_delta carries the stop reason and the
final output usage; message_stop ends the stream. An `error` event mid-stream is an upstream failure.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reference_gateway.providers.base import UpstreamError

FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content_filter",
}


def event_of(name: str | None, data: str) -> dict[str, Any]:
    try:
        event = json.loads(data)
    except ValueError as exc:
        raise UpstreamError(502, f"upstream Anthropic stream sent an event that is not JSON ({name})") from exc
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        raise UpstreamError(502, f"upstream Anthropic stream sent an event without a type ({name})")
    return event


@dataclass
class ChunkWriter:
    model: str
    chunk_id: str = "chatcmpl-anthropic"
    created: int = field(default_factory=lambda: int(time.time()))
    usage: dict[str, Any] = field(default_factory=dict)
    stopped: bool = False
    _calls: dict[int, int] = field(default_factory=dict)  # content block index -> chat tool call index

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": self.chunk_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def feed(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        kind = event["type"]
        if kind == "message_start":
            message = event.get("message") or {}
            self.chunk_id = str(message.get("id") or self.chunk_id)
            self.usage.update(message.get("usage") or {})
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            return self._block_start(int(event.get("index", 0)), event.get("content_block") or {})
        if kind == "content_block_delta":
            return self._block_delta(int(event.get("index", 0)), event.get("delta") or {})
        if kind == "message_delta":
            # message_delta's usage is cumulative: its counts replace those of message_start.
            self.usage.update(event.get("usage") or {})
            reason = (event.get("delta") or {}).get("stop_reason")
            return [self._chunk({}, FINISH.get(str(reason), "stop"))]
        if kind == "message_stop":
            self.stopped = True
            return []
        if kind == "error":
            error = event.get("error") or {}
            raise UpstreamError(502, f"upstream Anthropic stream failed: {error.get('type')}: {error.get('message')}")
        return []  # ping, content_block_stop, and event types added later carry nothing chat needs

    def _block_start(self, index: int, block: dict[str, Any]) -> list[dict[str, Any]]:
        if block.get("type") == "tool_use":
            self._calls[index] = len(self._calls)
            call = {
                "index": self._calls[index],
                "id": block.get("id"),
                "type": "function",
                "function": {"name": block.get("name"), "arguments": ""},
            }
            return [self._chunk({"tool_calls": [call]})]
        if block.get("type") == "text" and block.get("text"):
            return [self._chunk({"content": block["text"]})]
        return []

    def _block_delta(self, index: int, delta: dict[str, Any]) -> list[dict[str, Any]]:
        kind = delta.get("type")
        if kind == "text_delta" and delta.get("text"):
            return [self._chunk({"content": delta["text"]})]
        if kind == "input_json_delta" and delta.get("partial_json"):
            if index not in self._calls:
                raise UpstreamError(502, f"upstream Anthropic stream sent tool input for unknown block {index}")
            call = {"index": self._calls[index], "function": {"arguments": delta["partial_json"]}}
            return [self._chunk({"tool_calls": [call]})]
        return []  # thinking_delta / signature_delta: private reasoning, not part of the chat answer

    def usage_chunk(self, convert: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """The last chunk, as with stream_options.include_usage: no choices, the whole usage."""
        return {
            "id": self.chunk_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [],
            "usage": convert(self.usage),
        }
