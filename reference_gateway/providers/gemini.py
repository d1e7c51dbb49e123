"""Gemini behind the chat protocol: chat request -> generateContent, Gemini results and SSE chunks -> chat."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from reference_gateway.providers import sse
from reference_gateway.providers.base import ProviderSettings, UpstreamError
from reference_gateway.providers.http import open_stream, post_json

FINISH = {"STOP": "stop", "MAX_TOKENS": "length"}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(p.get("text", "") for p in content or [] if isinstance(p, dict))


def _user_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}]
    parts: list[dict[str, Any]] = []
    for part in content or []:
        if part.get("type") == "image_url":
            url = str(part["image_url"]["url"])
            if url.startswith("data:"):
                mime, _, data = url[5:].partition(";base64,")
                parts.append({"inlineData": {"mimeType": mime, "data": data}})
            else:
                parts.append({"fileData": {"fileUri": url}})
        else:
            parts.append({"text": part.get("text", "")})
    return parts


def call_id(name: str, args: Any, position: int) -> str:
    """Gemini calls carry no id: a stable one from the call itself, so the tool result can be matched."""
    digest = hashlib.sha256(f"{name}\x00{json.dumps(args, sort_keys=True)}\x00{position}".encode()).hexdigest()
    return "call_" + digest[:24]


def to_gemini_request(chat: dict[str, Any]) -> dict[str, Any]:
    if chat.get("verbosity"):
        raise UpstreamError(400, "Gemini has no equivalent of verbosity")
    names: dict[str, str] = {}
    system: list[str] = []
    contents: list[dict[str, Any]] = []

    def append(role: str, parts: list[dict[str, Any]]) -> None:
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})

    for msg in chat["messages"]:
        role = msg["role"]
        if role in ("system", "developer"):
            system.append(_text(msg.get("content")))
        elif role == "user":
            append("user", _user_parts(msg.get("content")))
        elif role == "assistant":
            parts: list[dict[str, Any]] = []
            if _text(msg.get("content")):
                parts.append({"text": _text(msg.get("content"))})
            for call in msg.get("tool_calls") or []:
                names[call["id"]] = call["function"]["name"]
                parts.append(
                    {
                        "functionCall": {
                            "name": call["function"]["name"],
                            "args": json.loads(call["function"].get("arguments") or "{}"),
                        }
                    }
                )
            append("model", parts)
        elif role == "tool":
            name = names.get(str(msg.get("tool_call_id")))
            if name is None:
                raise UpstreamError(400, f"tool result {msg.get('tool_call_id')} answers no earlier tool call")
            append("user", [{"functionResponse": {"name": name, "response": {"result": _text(msg.get("content"))}}}])
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    if chat.get("tools"):
        body["tools"] = [
            {
                "functionDeclarations": [
                    {
                        "name": t["function"]["name"],
                        "description": t["function"].get("description", ""),
                        "parametersJsonSchema": t["function"].get("parameters") or {"type": "object"},
                    }
                    for t in chat["tools"]
                ]
            }
        ]
    choice = chat.get("tool_choice")
    if isinstance(choice, dict):
        body["toolConfig"] = {
            "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [choice["function"]["name"]]}
        }
    elif choice in ("required", "none", "auto") and chat.get("tools"):
        body["toolConfig"] = {"functionCallingConfig": {"mode": {"required": "ANY"}.get(choice, choice.upper())}}
    generation: dict[str, Any] = {}
    fmt = chat.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        generation["responseMimeType"] = "application/json"
        generation["responseJsonSchema"] = (fmt.get("json_schema") or {}).get("schema") or {}
    elif fmt.get("type") == "json_object":
        generation["responseMimeType"] = "application/json"
    for src, dst in (("max_tokens", "maxOutputTokens"), ("temperature", "temperature"), ("top_p", "topP")):
        if chat.get(src) is not None:
            generation[dst] = chat[src]
    if generation:
        body["generationConfig"] = generation
    return body


def _usage(meta: dict[str, Any]) -> dict[str, Any]:
    inp, out = int(meta.get("promptTokenCount") or 0), int(meta.get("candidatesTokenCount") or 0)
    return {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out}


def _parts(result: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    candidates = result.get("candidates") or []
    if not candidates:
        return [], None
    return (candidates[0].get("content") or {}).get("parts") or [], candidates[0].get("finishReason")


def to_chat_completion(result: dict[str, Any], model: str) -> dict[str, Any]:
    parts, finish = _parts(result)
    text = "".join(p.get("text", "") for p in parts if "text" in p)
    calls = [
        {
            "id": call_id(p["functionCall"]["name"], p["functionCall"].get("args"), i),
            "type": "function",
            "function": {
                "name": p["functionCall"]["name"],
                "arguments": json.dumps(p["functionCall"].get("args") or {}),
            },
        }
        for i, p in enumerate(x for x in parts if "functionCall" in x)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": result.get("responseId", ""),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if calls else FINISH.get(str(finish), "stop"),
            }
        ],
        "usage": _usage(result.get("usageMetadata") or {}),
    }


class GeminiProvider:
    def __init__(self, settings: ProviderSettings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client

    def _url(self, model: str, action: str) -> str:
        return f"{self.settings.base_url}/models/{model}:{action}"

    def _headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.settings.api_key}

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        result = await post_json(
            self.client, self._url(request["model"], "generateContent"), to_gemini_request(request), self._headers()
        )
        return to_chat_completion(result, request["model"])

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        base = {
            "id": "chatcmpl-gemini",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": request["model"],
        }
        url = self._url(request["model"], "streamGenerateContent") + "?alt=sse"
        usage: dict[str, Any] = {}
        calls = 0
        finished = False
        yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
        async with open_stream(self.client, "POST", url, to_gemini_request(request), self._headers()) as response:
            async for _, data in sse.events(response):
                result = json.loads(data)
                usage = result.get("usageMetadata") or usage
                parts, finish = _parts(result)
                for part in parts:
                    if part.get("text"):
                        delta: dict[str, Any] = {"content": part["text"]}
                    elif "functionCall" in part:
                        fc = part["functionCall"]
                        delta = {
                            "tool_calls": [
                                {
                                    "index": calls,
                                    "id": call_id(fc["name"], fc.get("args"), calls),
                                    "type": "function",
                                    "function": {"name": fc["name"], "arguments": json.dumps(fc.get("args") or {})},
                                }
                            ]
                        }
                        calls += 1
                    else:
                        continue
                    yield {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                if finish:
                    finished = True
                    reason = "tool_calls" if calls else FINISH.get(finish, "stop")
                    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reason}]}
        if not finished:
            raise UpstreamError(502, "upstream Gemini stream ended without a finishReason")
        yield {**base, "choices": [], "usage": _usage(usage)}

    async def count_tokens(self, request: dict[str, Any]) -> int:
        body = to_gemini_request(request)
        body.pop("generationConfig", None)
        result = await post_json(self.client, self._url(request["model"], "countTokens"), body, self._headers())
        return int(result["totalTokens"])
