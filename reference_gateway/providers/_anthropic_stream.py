"""Anthropic's stream events -> chat.completion.chunk dicts, one event at a time (nothing is buffered).

message_start gives the id and input usage; each tool_use content_block_start opens a chat tool call (index, id,
name) whose input_json_delta fragments follow as argument deltas; message_delta carries the stop reason and the
final output usage; message_stop ends the stream. An `error` event mid-stream is an upstream failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from reference_gateway.providers.base import UpstreamError
from reference_gateway.providers.chunks import ChunkWriter
from reference_gateway.translate.types import ChatChunk, ChatToolCall, ChatUsage

FINISH = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "tool_use": "tool_calls",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "refusal": "content_filter",
}


def chat_usage(usage: dict[str, Any]) -> ChatUsage:
    """Anthropic counts cache reads and writes apart from input_tokens; chat's prompt_tokens includes them."""
    cached = int(usage.get("cache_read_input_tokens") or 0)
    inp = int(usage.get("input_tokens") or 0) + cached + int(usage.get("cache_creation_input_tokens") or 0)
    out = int(usage.get("output_tokens") or 0)
    return {
        "prompt_tokens": inp,
        "completion_tokens": out,
        "total_tokens": inp + out,
        "prompt_tokens_details": {"cached_tokens": cached},
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
class AnthropicChunks(ChunkWriter):
    chunk_id: str = "chatcmpl-anthropic"
    usage: dict[str, Any] = field(default_factory=dict)
    _calls: dict[int, int] = field(default_factory=dict)  # content block index -> chat tool call index

    def feed(self, name: str | None, data: str) -> list[ChatChunk]:
        return self.feed_event(event_of(name, data))

    def finish(self) -> list[ChatChunk]:
        if not self.done:
            raise UpstreamError(502, "upstream Anthropic stream ended before message_stop")
        return [self.usage_chunk(chat_usage(self.usage))]

    def feed_event(self, event: dict[str, Any]) -> list[ChatChunk]:
        kind = event["type"]
        if kind == "message_start":
            message = event.get("message") or {}
            self.chunk_id = str(message.get("id") or self.chunk_id)
            self.usage.update(message.get("usage") or {})
            return [self.chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            return self._block_start(int(event.get("index", 0)), event.get("content_block") or {})
        if kind == "content_block_delta":
            return self._block_delta(int(event.get("index", 0)), event.get("delta") or {})
        if kind == "message_delta":
            # message_delta's usage is cumulative: its counts replace those of message_start.
            self.usage.update(event.get("usage") or {})
            reason = (event.get("delta") or {}).get("stop_reason")
            return [self.chunk({}, FINISH.get(str(reason), "stop"))]
        if kind == "message_stop":
            self.done = True
            return []
        if kind == "error":
            error = event.get("error") or {}
            raise UpstreamError(502, f"upstream Anthropic stream failed: {error.get('type')}: {error.get('message')}")
        return []  # ping, content_block_stop, and event types added later carry nothing chat needs

    def _block_start(self, index: int, block: dict[str, Any]) -> list[ChatChunk]:
        if block.get("type") == "tool_use":
            self._calls[index] = len(self._calls)
            call: ChatToolCall = {
                "index": self._calls[index],
                "id": block.get("id"),
                "type": "function",
                "function": {"name": block.get("name"), "arguments": ""},
            }
            return [self.chunk({"tool_calls": [call]})]
        if block.get("type") == "text" and block.get("text"):
            return [self.chunk({"content": block["text"]})]
        return []

    def _block_delta(self, index: int, delta: dict[str, Any]) -> list[ChatChunk]:
        kind = delta.get("type")
        if kind == "text_delta" and delta.get("text"):
            return [self.chunk({"content": delta["text"]})]
        if kind == "input_json_delta" and delta.get("partial_json"):
            if index not in self._calls:
                raise UpstreamError(502, f"upstream Anthropic stream sent tool input for unknown block {index}")
            call: ChatToolCall = {"index": self._calls[index], "function": {"arguments": delta["partial_json"]}}
            return [self.chunk({"tool_calls": [call]})]
        return []  # thinking_delta / signature_delta: private reasoning, not part of the chat answer
