"""Gemini behind the chat protocol: chat request -> generateContent, Gemini results and SSE chunks -> chat.

Gemini function calls may carry no id, so the adapter gives each a stable `call_...` id and, on the way back,
finds a tool result's function name from the assistant tool call with that id in the same request. Structured
output is translated (responseMimeType + responseJsonSchema); verbosity and disabling parallel tool calls have no
Gemini equivalent and are refused with a 400 that names them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from reference_gateway.providers import _chat_input as chat_input
from reference_gateway.providers import shapes
from reference_gateway.providers.base import UpstreamError
from reference_gateway.providers.chunks import ChunkWriter, relay
from reference_gateway.providers.http import Adapter, post_json
from reference_gateway.translate.types import (
    ChatChunk,
    ChatCompletion,
    ChatMessage,
    ChatRequest,
    ChatToolCall,
    ChatUsage,
)

NAME = "Gemini"
# `user` is only an end-user identifier for abuse tracking: it changes nothing in the answer, so it is not sent.
HONOURED = (
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "stop",
    "seed",
    "presence_penalty",
    "frequency_penalty",
    "user",
    "n",
)
GENERATION = (
    ("max_tokens", "maxOutputTokens"),
    ("max_completion_tokens", "maxOutputTokens"),
    ("temperature", "temperature"),
    ("top_p", "topP"),
    ("seed", "seed"),
    ("presence_penalty", "presencePenalty"),
    ("frequency_penalty", "frequencyPenalty"),
)
FILTERED = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE"}
BROKEN = {"MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"}


def call_id(response_id: str, name: str, args: Any, position: int) -> str:
    """A stable id for an id-less Gemini call: the same response always yields the same ids."""
    seed = f"{response_id}\x00{name}\x00{json.dumps(args, sort_keys=True)}\x00{position}"
    return "call_" + hashlib.sha256(seed.encode()).hexdigest()[:24]


def _inline(url: str) -> dict[str, Any]:
    inline = chat_input.data_url(url)
    if inline is None:
        return {"fileData": {"fileUri": url}}
    return {"inlineData": {"mimeType": inline[0], "data": inline[1]}}


def _result(call_id: str, name: str | None, text: str) -> dict[str, Any]:
    # Gemini matches a result to its call by function name, found from the assistant call with that id.
    if name is None:
        raise chat_input.invalid(f"tool result {call_id} answers no earlier tool call")
    return {"functionResponse": {"name": name, "response": {"result": text}}}


WIRE = chat_input.Wire(
    provider=NAME,
    key="parts",
    assistant="model",
    text=lambda text: {"text": text},
    image=_inline,
    document=_inline,
    call=lambda call_id, name, args: {"functionCall": {"name": name, "args": args}},
    result=_result,
)


def _tools(chat: ChatRequest) -> dict[str, Any]:
    body: dict[str, Any] = {}
    tools = chat.get("tools") or []
    declarations = []
    for tool in tools:
        fn = tool.get("function") or {}
        if tool.get("type") != "function" or not fn.get("name"):
            raise chat_input.refuse(NAME, "tools", "only function tools are translated")
        declaration = {"name": fn["name"], "description": fn.get("description", "")}
        declaration["parametersJsonSchema"] = fn.get("parameters") or {"type": "object"}
        declarations.append(declaration)
    if declarations:
        body["tools"] = [{"functionDeclarations": declarations}]
    choice = chat.get("tool_choice")
    forced = chat_input.forced_function(choice)
    if (forced or choice == "required") and not tools:
        raise chat_input.invalid("tool_choice forces a tool call but no tools were given", "tool_choice")
    if forced:
        body["toolConfig"] = {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [forced]}}
    elif choice in ("required", "none", "auto") and tools:
        mode = {"required": "ANY", "none": "NONE", "auto": "AUTO"}[choice]
        body["toolConfig"] = {"functionCallingConfig": {"mode": mode}}
    elif choice not in (None, "auto", "none"):
        raise chat_input.invalid(f"tool_choice {choice!r} is not one of auto, none, required", "tool_choice")
    if chat.get("parallel_tool_calls") is False and tools:
        raise chat_input.refuse(
            NAME, "parallel_tool_calls", "Gemini has no switch that turns parallel function calls off"
        )
    return body


def _generation(chat: ChatRequest) -> dict[str, Any]:
    generation: dict[str, Any] = {}
    fmt = chat.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        generation["responseMimeType"] = "application/json"
        generation["responseJsonSchema"] = (fmt.get("json_schema") or {}).get("schema") or {}
    elif fmt.get("type") == "json_object":
        generation["responseMimeType"] = "application/json"
    elif fmt.get("type") not in (None, "text"):
        raise chat_input.refuse(NAME, "response_format", f"type {fmt.get('type')!r} has no Gemini equivalent")
    given: Mapping[str, Any] = chat
    for src, dst in GENERATION:
        if given.get(src) is not None:
            generation[dst] = given[src]
    if chat.get("stop"):
        generation["stopSequences"] = chat_input.stop_list(chat["stop"])
    return generation


def to_gemini_request(chat: ChatRequest) -> dict[str, Any]:
    """The generateContent request for a chat request; what Gemini cannot express raises TranslationError (a 400)."""
    if chat.get("verbosity"):
        raise chat_input.refuse(NAME, "verbosity", "Gemini has no equivalent")
    chat_input.check_params(chat, HONOURED, NAME)
    system, contents = chat_input.walk(chat["messages"], WIRE)
    if not contents:
        raise chat_input.invalid("Gemini needs at least one user or assistant message besides the instructions")
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    body.update(_tools(chat))
    generation = _generation(chat)
    if generation:
        body["generationConfig"] = generation
    return body


def chat_usage(meta: dict[str, Any]) -> ChatUsage:
    """Thinking tokens are billed as output, as OpenAI's reasoning tokens are part of completion_tokens."""
    inp = int(meta.get("promptTokenCount") or 0)
    thoughts = int(meta.get("thoughtsTokenCount") or 0)
    out = int(meta.get("candidatesTokenCount") or 0) + thoughts
    return {
        "prompt_tokens": inp,
        "completion_tokens": out,
        "total_tokens": inp + out,
        "prompt_tokens_details": {"cached_tokens": int(meta.get("cachedContentTokenCount") or 0)},
        "completion_tokens_details": {"reasoning_tokens": thoughts},
    }


def candidate(result: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """The answer parts (thoughts left out) and finish reason of the first candidate."""
    candidates = result.get("candidates") or []
    if not candidates:
        blocked = (result.get("promptFeedback") or {}).get("blockReason")
        return [], ("SAFETY" if blocked else None)
    first = candidates[0]
    parts = [p for p in (first.get("content") or {}).get("parts") or [] if not p.get("thought")]
    return parts, first.get("finishReason")


def finish_reason(finish: str, has_calls: bool) -> str:
    if finish in BROKEN:
        raise UpstreamError(502, f"upstream Gemini could not produce a valid function call ({finish})")
    if finish in FILTERED:
        return "content_filter"
    if finish == "MAX_TOKENS":
        return "length"
    return "tool_calls" if has_calls else "stop"


def _tool_call(response_id: str, part: dict[str, Any], position: int) -> ChatToolCall:
    fc = part["functionCall"]
    args = fc.get("args") or {}
    return {
        "id": fc.get("id") or call_id(response_id, fc["name"], args, position),
        "type": "function",
        "function": {"name": fc["name"], "arguments": json.dumps(args)},
    }


def to_chat_completion(result: dict[str, Any], model: str) -> ChatCompletion:
    parts, finish = candidate(result)
    response_id = str(result.get("responseId", ""))
    text = "".join(str(p["text"]) for p in parts if "text" in p)
    calls = [_tool_call(response_id, p, i) for i, p in enumerate(p for p in parts if "functionCall" in p)]
    message: ChatMessage = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": response_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason(finish or "STOP", bool(calls))}],
        "usage": chat_usage(result.get("usageMetadata") or {}),
    }


@dataclass
class GeminiChunks(ChunkWriter):
    """Gemini's streamed results -> chat.completion.chunk dicts, one result at a time (nothing buffered).

    Gemini has no end-of-stream event: a finishReason says the answer is whole, and the usage of the last result
    counts (it is cumulative), so the finish and usage chunks are written by `finish`, after the stream ended."""

    usage: dict[str, Any] = field(default_factory=dict)
    calls: int = 0
    final: str | None = None

    def feed(self, name: str | None, data: str) -> list[ChatChunk]:
        try:
            result = shapes.gemini_result(json.loads(data))
        except ValueError as exc:
            raise UpstreamError(502, "upstream Gemini stream sent a chunk that is not JSON") from exc
        return self.feed_result(result)

    def feed_result(self, result: dict[str, Any]) -> list[ChatChunk]:
        chunks: list[ChatChunk] = []
        if not self.chunk_id:
            self.chunk_id = str(result.get("responseId") or "chatcmpl-gemini")
            chunks.append(self.chunk({"role": "assistant", "content": ""}))
        self.usage = result.get("usageMetadata") or self.usage
        parts, finish = candidate(result)
        for part in parts:
            if part.get("text"):
                chunks.append(self.chunk({"content": part["text"]}))
            elif "functionCall" in part:
                call: ChatToolCall = {"index": self.calls, **_tool_call(self.chunk_id, part, self.calls)}
                chunks.append(self.chunk({"tool_calls": [call]}))
                self.calls += 1
        self.final = self.final or finish
        return chunks

    def finish(self) -> list[ChatChunk]:
        """The finish chunk and the usage chunk; an UpstreamError when the stream ended without a finishReason."""
        if not self.final:
            raise UpstreamError(502, "upstream Gemini stream ended without a finishReason")
        return [self.chunk({}, finish_reason(self.final, self.calls > 0)), self.usage_chunk(chat_usage(self.usage))]


class GeminiProvider(Adapter):
    def _url(self, model: str, action: str) -> str:
        # The route already refused names outside Gemini's pattern; quoting keeps the path one segment regardless.
        return f"{self.settings.base_url.rstrip('/')}/models/{quote(model, safe='')}:{action}"

    def _headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self.settings.api_key}

    async def complete(self, request: ChatRequest) -> ChatCompletion:
        body = to_gemini_request(request)
        result = await post_json(self.client, self._url(request["model"], "generateContent"), body, self._headers())
        return to_chat_completion(shapes.gemini_result(result), request["model"])

    def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        url = self._url(request["model"], "streamGenerateContent") + "?alt=sse"
        writer = GeminiChunks(model=request["model"])
        return relay(self.client, url, to_gemini_request(request), self._headers(), writer)

    async def count_tokens(self, request: ChatRequest) -> int:
        # Only `contents` or a whole `generateContentRequest` may be counted; instructions and tools need the latter.
        inner = {"model": f"models/{request['model']}", **to_gemini_request(request)}
        url = self._url(request["model"], "countTokens")
        result = await post_json(self.client, url, {"generateContentRequest": inner}, self._headers())
        if not isinstance(result, dict) or not isinstance(result.get("totalTokens"), int):
            raise UpstreamError(502, "upstream countTokens answer has no totalTokens")
        return int(result["totalTokens"])
