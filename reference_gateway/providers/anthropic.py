"""Anthropic Messages behind the chat protocol: chat request -> Messages request, Messages result/stream -> chat."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from reference_gateway.providers import sse
from reference_gateway.providers.base import ProviderSettings, UpstreamError
from reference_gateway.providers.http import open_stream, post_json

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
FINISH = {"end_turn": "stop", "stop_sequence": "stop", "tool_use": "tool_calls", "max_tokens": "length"}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(p.get("text", "") for p in content or [] if isinstance(p, dict))


def _user_blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    blocks = []
    for part in content or []:
        if part.get("type") == "image_url":
            url = part["image_url"]["url"]
            if url.startswith("data:"):
                media, _, data = url[5:].partition(";base64,")
                blocks.append({"type": "image", "source": {"type": "base64", "media_type": media, "data": data}})
            else:
                blocks.append({"type": "image", "source": {"type": "url", "url": url}})
        else:
            blocks.append({"type": "text", "text": part.get("text", "")})
    return blocks


def to_messages_request(chat: dict[str, Any]) -> dict[str, Any]:
    if chat.get("response_format") or chat.get("verbosity"):
        raise UpstreamError(400, "Anthropic does not accept response_format or verbosity")
    system: list[str] = []
    messages: list[dict[str, Any]] = []

    def append(role: str, blocks: list[dict[str, Any]]) -> None:
        # Anthropic wants alternating roles: consecutive same-role messages are merged.
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})

    for msg in chat["messages"]:
        role = msg["role"]
        if role in ("system", "developer"):
            system.append(_text(msg.get("content")))
        elif role == "user":
            append("user", _user_blocks(msg.get("content")))
        elif role == "assistant":
            blocks: list[dict[str, Any]] = []
            if _text(msg.get("content")):
                blocks.append({"type": "text", "text": _text(msg.get("content"))})
            for call in msg.get("tool_calls") or []:
                try:
                    args = json.loads(call["function"].get("arguments") or "{}")
                except ValueError as exc:
                    raise UpstreamError(400, f"tool call {call.get('id')} has arguments that are not JSON") from exc
                blocks.append({"type": "tool_use", "id": call["id"], "name": call["function"]["name"], "input": args})
            append("assistant", blocks)
        elif role == "tool":
            append(
                "user",
                [{"type": "tool_result", "tool_use_id": msg.get("tool_call_id"), "content": _text(msg.get("content"))}],
            )
    body: dict[str, Any] = {
        "model": chat["model"],
        "max_tokens": chat.get("max_tokens") or chat.get("max_completion_tokens") or DEFAULT_MAX_TOKENS,
        "messages": messages,
    }
    if system:
        body["system"] = "\n\n".join(system)
    if chat.get("tools"):
        body["tools"] = [
            {
                "name": t["function"]["name"],
                "description": t["function"].get("description", ""),
                "input_schema": t["function"].get("parameters") or {"type": "object"},
            }
            for t in chat["tools"]
        ]
    choice = chat.get("tool_choice")
    if isinstance(choice, dict):
        body["tool_choice"] = {"type": "tool", "name": choice["function"]["name"]}
    elif choice == "required":
        body["tool_choice"] = {"type": "any"}
    elif choice in ("auto", "none") and chat.get("tools"):
        body["tool_choice"] = {"type": choice}
    if chat.get("parallel_tool_calls") is False and "tool_choice" in body and body["tool_choice"]["type"] != "none":
        body["tool_choice"]["disable_parallel_tool_use"] = True
    for src, dst in (("temperature", "temperature"), ("top_p", "top_p")):
        if chat.get(src) is not None:
            body[dst] = chat[src]
    if chat.get("stop"):
        body["stop_sequences"] = chat["stop"] if isinstance(chat["stop"], list) else [chat["stop"]]
    return body


def _usage(usage: dict[str, Any]) -> dict[str, Any]:
    inp = int(usage.get("input_tokens") or 0) + int(usage.get("cache_read_input_tokens") or 0)
    out = int(usage.get("output_tokens") or 0)
    return {
        "prompt_tokens": inp,
        "completion_tokens": out,
        "total_tokens": inp + out,
        "prompt_tokens_details": {"cached_tokens": int(usage.get("cache_read_input_tokens") or 0)},
    }


def to_chat_completion(message: dict[str, Any]) -> dict[str, Any]:
    text = "".join(b.get("text", "") for b in message.get("content") or [] if b.get("type") == "text")
    calls = [
        {"id": b["id"], "type": "function", "function": {"name": b["name"], "arguments": json.dumps(b["input"])}}
        for b in message.get("content") or []
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
        "usage": _usage(message.get("usage") or {}),
    }


class AnthropicProvider:
    def __init__(self, settings: ProviderSettings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client

    def _headers(self) -> dict[str, str]:
        return {"x-api-key": self.settings.api_key, "anthropic-version": API_VERSION}

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        body = to_messages_request(request)
        return to_chat_completion(
            await post_json(self.client, self.settings.base_url + "/v1/messages", body, self._headers())
        )

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        body = {**to_messages_request(request), "stream": True}
        base = {
            "id": "chatcmpl-" + secrets.token_hex(12),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": request["model"],
        }
        tool_index: dict[int, int] = {}
        usage: dict[str, Any] = {}
        stopped = False

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        url = self.settings.base_url + "/v1/messages"
        async with open_stream(self.client, "POST", url, body, self._headers()) as response:
            async for _, data in sse.events(response):
                event = json.loads(data)
                kind = event.get("type")
                if kind == "message_start":
                    usage.update(event["message"].get("usage") or {})
                    yield chunk({"role": "assistant", "content": ""})
                elif kind == "content_block_start" and event["content_block"]["type"] == "tool_use":
                    block = event["content_block"]
                    tool_index[event["index"]] = len(tool_index)
                    yield chunk(
                        {
                            "tool_calls": [
                                {
                                    "index": tool_index[event["index"]],
                                    "id": block["id"],
                                    "type": "function",
                                    "function": {"name": block["name"], "arguments": ""},
                                }
                            ]
                        }
                    )
                elif kind == "content_block_delta":
                    delta = event["delta"]
                    if delta.get("type") == "text_delta":
                        yield chunk({"content": delta["text"]})
                    elif delta.get("type") == "input_json_delta" and delta.get("partial_json"):
                        yield chunk(
                            {
                                "tool_calls": [
                                    {
                                        "index": tool_index[event["index"]],
                                        "function": {"arguments": delta["partial_json"]},
                                    }
                                ]
                            }
                        )
                elif kind == "message_delta":
                    usage.update(event.get("usage") or {})
                    yield chunk({}, FINISH.get(event["delta"].get("stop_reason"), "stop"))
                elif kind == "message_stop":
                    stopped = True
                    break
                elif kind == "error":
                    raise UpstreamError(502, f"upstream stream error: {event.get('error', {}).get('message')}")
        if not stopped:
            raise UpstreamError(502, "upstream Anthropic stream ended before message_stop")
        yield {**base, "choices": [], "usage": _usage(usage)}

    async def count_tokens(self, request: dict[str, Any]) -> int:
        body = to_messages_request(request)
        body.pop("max_tokens", None)
        result = await post_json(
            self.client, self.settings.base_url + "/v1/messages/count_tokens", body, self._headers()
        )
        return int(result["input_tokens"])
