"""Anthropic Messages behind the chat protocol: chat request -> Messages request, Messages result -> chat.

The stream half lives in `_anthropic_stream.py`. Anthropic wants `max_tokens` on every request, takes the system
prompt apart from the messages, carries tool results as `tool_result` blocks in a user turn, and has no structured
output or verbosity: those are refused with a 400 that names them (the capability table normally refuses first).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

from reference_gateway.providers import shapes, sse
from reference_gateway.providers._anthropic_stream import FINISH, ChunkWriter, event_of
from reference_gateway.providers._chat_input import (
    Wire,
    check_params,
    data_url,
    forced_function,
    refuse,
    stop_list,
    walk,
)
from reference_gateway.providers.base import ProviderSettings, UpstreamError
from reference_gateway.providers.http import open_stream, post_json
from reference_gateway.providers.upstream import UpstreamClient

NAME = "Anthropic Messages"
API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
HONOURED = (
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "stop",
    "user",
    "n",
)
# count_tokens takes the prompt only: sampling parameters there are "Extra inputs are not permitted".
COUNT_FIELDS = ("model", "messages", "system", "tools", "tool_choice")


def _source(url: str, media_type: str | None = None) -> dict[str, Any]:
    inline = data_url(url)
    if inline is None:
        return {"type": "url", "url": url}
    return {"type": "base64", "media_type": media_type or inline[0], "data": inline[1]}


def _result(call_id: str, name: str | None, text: str) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": call_id, "content": text}


WIRE = Wire(
    provider=NAME,
    key="content",
    assistant="assistant",
    text=lambda text: {"type": "text", "text": text},
    image=lambda url: {"type": "image", "source": _source(url)},
    document=lambda url: {"type": "document", "source": _source(url)},
    call=lambda call_id, name, args: {"type": "tool_use", "id": call_id, "name": name, "input": args},
    result=_result,
)


def _tools(chat: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    tools = chat.get("tools") or []
    if tools:
        body["tools"] = []
        for tool in tools:
            fn = tool.get("function") or {}
            if tool.get("type") != "function" or not fn.get("name"):
                raise refuse(NAME, "tools", "only function tools are translated")
            body["tools"].append(
                {
                    "name": fn["name"],
                    "description": fn.get("description", ""),
                    "input_schema": fn.get("parameters") or {"type": "object"},
                }
            )
    choice = chat.get("tool_choice")
    forced = forced_function(choice)
    if (forced or choice == "required") and not tools:
        raise UpstreamError(400, "tool_choice forces a tool call but no tools were given")
    if forced:
        body["tool_choice"] = {"type": "tool", "name": forced}
    elif choice == "required":
        body["tool_choice"] = {"type": "any"}
    elif choice in ("auto", "none") and tools:
        body["tool_choice"] = {"type": choice}
    elif choice not in (None, "auto", "none"):
        raise UpstreamError(400, f"tool_choice {choice!r} is not one of auto, none, required")
    if chat.get("parallel_tool_calls") is False and tools:
        mode = body.setdefault("tool_choice", {"type": "auto"})
        if mode["type"] != "none":
            mode["disable_parallel_tool_use"] = True
    return body


def to_messages_request(chat: dict[str, Any]) -> dict[str, Any]:
    """The Messages request for a chat request; what Anthropic cannot express raises UpstreamError(400)."""
    if chat.get("response_format") and chat["response_format"].get("type") != "text":
        raise refuse(NAME, "response_format", "Anthropic has no structured output mode the gateway translates")
    if chat.get("verbosity"):
        raise refuse(NAME, "verbosity", "Anthropic has no equivalent")
    check_params({k: v for k, v in chat.items() if k != "response_format"}, HONOURED, NAME)
    system, messages = walk(chat["messages"], WIRE)
    body: dict[str, Any] = {
        "model": chat["model"],
        "max_tokens": chat.get("max_tokens") or chat.get("max_completion_tokens") or DEFAULT_MAX_TOKENS,
        "messages": messages,
    }
    if system:
        body["system"] = "\n\n".join(system)
    body.update(_tools(chat))
    for key in ("temperature", "top_p"):
        if chat.get(key) is not None:
            body[key] = chat[key]
    if chat.get("stop"):
        body["stop_sequences"] = stop_list(chat["stop"])
    if chat.get("user"):
        body["metadata"] = {"user_id": chat["user"]}
    return body


def chat_usage(usage: dict[str, Any]) -> dict[str, Any]:
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


def to_chat_completion(message: dict[str, Any]) -> dict[str, Any]:
    blocks = [b for b in message.get("content") or [] if isinstance(b, dict)]
    # Thinking blocks are the model's private reasoning; chat has no place for them, and the text stands alone.
    text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
    calls = [
        {"id": b["id"], "type": "function", "function": {"name": b["name"], "arguments": json.dumps(b["input"])}}
        for b in blocks
        if b.get("type") == "tool_use"
    ]
    chat_message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        chat_message["tool_calls"] = calls
    return {
        "id": message.get("id", ""),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": message.get("model", ""),
        "choices": [
            {"index": 0, "message": chat_message, "finish_reason": FINISH.get(str(message.get("stop_reason")), "stop")}
        ],
        "usage": chat_usage(message.get("usage") or {}),
    }


class AnthropicProvider:
    def __init__(self, settings: ProviderSettings, client: UpstreamClient) -> None:
        self.settings = settings
        self.client = client

    def _url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    def _headers(self) -> dict[str, str]:
        return {"x-api-key": self.settings.api_key, "anthropic-version": API_VERSION}

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        body = to_messages_request(request)
        result = await post_json(self.client, self._url("/v1/messages"), body, self._headers())
        return to_chat_completion(shapes.anthropic_message(result))

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        body = {**to_messages_request(request), "stream": True}
        writer = ChunkWriter(model=request["model"])
        async with open_stream(self.client, "POST", self._url("/v1/messages"), body, self._headers()) as response:
            async for name, data in sse.events(response.chunks()):
                for chunk in writer.feed(event_of(name, data)):
                    yield chunk
                if writer.stopped:
                    break
        if not writer.stopped:
            raise UpstreamError(502, "upstream Anthropic stream ended before message_stop")
        yield writer.usage_chunk(chat_usage)

    async def count_tokens(self, request: dict[str, Any]) -> int:
        full = to_messages_request(request)
        body = {key: full[key] for key in COUNT_FIELDS if key in full}
        result = await post_json(self.client, self._url("/v1/messages/count_tokens"), body, self._headers())
        if not isinstance(result, dict) or not isinstance(result.get("input_tokens"), int):
            raise UpstreamError(502, "upstream count_tokens answer has no input_tokens")
        return int(result["input_tokens"])
