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

from reference_gateway.providers import shapes
from reference_gateway.providers._anthropic_stream import FINISH, AnthropicChunks, chat_usage
from reference_gateway.providers._chat_input import (
    Wire,
    check_params,
    data_url,
    forced_function,
    invalid,
    refuse,
    stop_list,
    walk,
)
from reference_gateway.providers.base import UpstreamError
from reference_gateway.providers.chunks import relay
from reference_gateway.providers.http import Adapter, post_json
from reference_gateway.translate.types import ChatChunk, ChatCompletion, ChatMessage, ChatRequest, ChatToolCall

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


def _tools(chat: ChatRequest) -> dict[str, Any]:
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
        raise invalid("tool_choice forces a tool call but no tools were given", "tool_choice")
    if forced:
        body["tool_choice"] = {"type": "tool", "name": forced}
    elif choice == "required":
        body["tool_choice"] = {"type": "any"}
    elif choice in ("auto", "none") and tools:
        body["tool_choice"] = {"type": choice}
    elif choice not in (None, "auto", "none"):
        raise invalid(f"tool_choice {choice!r} is not one of auto, none, required", "tool_choice")
    if chat.get("parallel_tool_calls") is False and tools:
        mode = body.setdefault("tool_choice", {"type": "auto"})
        if mode["type"] != "none":
            mode["disable_parallel_tool_use"] = True
    return body


def to_messages_request(chat: ChatRequest) -> dict[str, Any]:
    """The Messages request for a chat request; what Anthropic cannot express raises TranslationError (a 400)."""
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
    if chat.get("temperature") is not None:
        body["temperature"] = chat["temperature"]
    if chat.get("top_p") is not None:
        body["top_p"] = chat["top_p"]
    if chat.get("stop"):
        body["stop_sequences"] = stop_list(chat["stop"])
    if chat.get("user"):
        body["metadata"] = {"user_id": chat["user"]}
    return body


def to_chat_completion(message: dict[str, Any]) -> ChatCompletion:
    blocks = [b for b in message.get("content") or [] if isinstance(b, dict)]
    # Thinking blocks are the model's private reasoning; chat has no place for them, and the text stands alone.
    text = "".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text")
    calls: list[ChatToolCall] = [
        {"id": b["id"], "type": "function", "function": {"name": b["name"], "arguments": json.dumps(b["input"])}}
        for b in blocks
        if b.get("type") == "tool_use"
    ]
    chat_message: ChatMessage = {"role": "assistant", "content": text or None}
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


class AnthropicProvider(Adapter):
    def _url(self, path: str) -> str:
        return self.settings.base_url.rstrip("/") + path

    def _headers(self) -> dict[str, str]:
        return {"x-api-key": self.settings.api_key, "anthropic-version": API_VERSION}

    async def complete(self, request: ChatRequest) -> ChatCompletion:
        body = to_messages_request(request)
        result = await post_json(self.client, self._url("/v1/messages"), body, self._headers())
        return to_chat_completion(shapes.anthropic_message(result))

    def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        body = {**to_messages_request(request), "stream": True}
        writer = AnthropicChunks(model=request["model"])
        return relay(self.client, self._url("/v1/messages"), body, self._headers(), writer)

    async def count_tokens(self, request: ChatRequest) -> int:
        full = to_messages_request(request)
        body = {key: full[key] for key in COUNT_FIELDS if key in full}
        result = await post_json(self.client, self._url("/v1/messages/count_tokens"), body, self._headers())
        if not isinstance(result, dict) or not isinstance(result.get("input_tokens"), int):
            raise UpstreamError(502, "upstream count_tokens answer has no input_tokens")
        return int(result["input_tokens"])
