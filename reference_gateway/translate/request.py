"""Responses request -> Chat Completions request. Pure functions: what cannot be translated raises."""

from __future__ import annotations

import base64
import json
from typing import Any

from reference_gateway.errors import TranslationError
from reference_gateway.translate.types import ChatMessage, ChatRequest, ChatTool, ChatToolCall

COMPACTION_PREFIX = "gwc1."
# Fields the Agents SDK replays on items it got back from an earlier response; they carry no meaning for chat.
_REPLAY_FIELDS = {"id", "status", "annotations", "logprobs", "type", "role", "content", "phase"}


def normalize_input(payload: dict[str, Any]) -> list[dict[str, Any]]:
    raw = payload.get("input", [])
    if isinstance(raw, str):
        return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": raw}]}]
    if not isinstance(raw, list):
        raise TranslationError("'input' must be a string or an array of input items.", "input")
    items = []
    for item in raw:
        if not isinstance(item, dict):
            raise TranslationError("Every input item must be an object.", "input")
        item = item if "type" in item else {"type": "message", **item}
        if item["type"] == "message" and isinstance(item.get("content"), str):
            kind = "output_text" if item.get("role") == "assistant" else "input_text"
            part: dict[str, Any] = {"type": kind, "text": item["content"]}
            if kind == "output_text":
                part["annotations"] = []
                part["logprobs"] = []
            item = {**item, "content": [part]}
        items.append(item)
    return items


def _part(part: Any) -> dict[str, Any]:
    if isinstance(part, str):
        return {"type": "text", "text": part}
    kind = part.get("type")
    if kind in ("input_text", "output_text", "text"):
        return {"type": "text", "text": str(part.get("text", ""))}
    if kind == "refusal":
        return {"type": "text", "text": str(part.get("refusal", ""))}
    if kind == "input_image":
        url = part.get("image_url") or part.get("file_id")
        if not url:
            raise TranslationError("input_image needs image_url on chat-translated providers.", "input")
        return {"type": "image_url", "image_url": {"url": url, "detail": part.get("detail", "auto")}}
    raise TranslationError(
        f'responses content part type "{kind}" is not supported by chat-translated providers', "input"
    )


def _content(content: Any, role: str) -> Any:
    if isinstance(content, str):
        return content
    parts = [_part(p) for p in content or []]
    if role != "user" or all(p["type"] == "text" for p in parts):
        return "\n".join(p.get("text", "") for p in parts)
    return parts


def compaction_token(summary: str) -> str:
    return COMPACTION_PREFIX + base64.urlsafe_b64encode(summary.encode()).decode()


def _compaction_summary(item: dict[str, Any]) -> str:
    token = str(item.get("encrypted_content", ""))
    if not token.startswith(COMPACTION_PREFIX):
        raise TranslationError("This compaction item was not made by this gateway and cannot be expanded.", "input")
    try:
        return base64.urlsafe_b64decode(token[len(COMPACTION_PREFIX) :].encode()).decode()
    except (ValueError, UnicodeDecodeError) as exc:  # binascii.Error is a ValueError
        raise TranslationError(
            "This compaction item's encrypted_content is damaged and cannot be expanded.", "input"
        ) from exc


def items_to_messages(items: list[dict[str, Any]], instructions: str | None = None) -> list[ChatMessage]:
    messages: list[ChatMessage] = []
    if instructions:
        messages.append({"role": "system", "content": instructions})
    for item in items:
        kind = item.get("type")
        if kind == "message":
            role = item.get("role", "user")
            if role not in ("user", "assistant", "system", "developer"):
                raise TranslationError(f"Unsupported message role {role!r}.", "input")
            messages.append({"role": role, "content": _content(item.get("content"), role)})
        elif kind == "function_call":
            call: ChatToolCall = {
                "id": item.get("call_id") or item.get("id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments") or "{}"},
            }
            last = messages[-1] if messages else None
            if last and last["role"] == "assistant" and last.get("tool_calls") and not last.get("content"):
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else _content(output, "tool")
            messages.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": text})
        elif kind == "compaction":
            messages.append({"role": "system", "content": _compaction_summary(item)})
        else:
            raise TranslationError(
                f'responses input item type "{kind}" is not supported by chat-translated providers', "input"
            )
    return messages


def _tools(tools: list[dict[str, Any]]) -> list[ChatTool]:
    out: list[ChatTool] = []
    for tool in tools:
        fn: dict[str, Any] = {"name": tool["name"], "parameters": tool.get("parameters") or {"type": "object"}}
        if tool.get("description"):
            fn["description"] = tool["description"]
        if tool.get("strict") is not None:
            fn["strict"] = tool["strict"]
        out.append({"type": "function", "function": fn})
    return out


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict):
        if choice.get("type") == "function":
            return {"type": "function", "function": {"name": choice.get("name")}}
        raise TranslationError(f"tool_choice type {choice.get('type')!r} is not supported here.", "tool_choice")
    return choice


def responses_to_chat(payload: dict[str, Any], items: list[dict[str, Any]], *, model: str, stream: bool) -> ChatRequest:
    """The chat request for `payload`, whose input (history already expanded) is `items`."""
    chat: ChatRequest = {"model": model, "messages": items_to_messages(items, payload.get("instructions"))}
    tools = payload.get("tools") or []
    if tools:
        chat["tools"] = _tools(tools)
    if payload.get("tool_choice") is not None:
        chat["tool_choice"] = _tool_choice(payload["tool_choice"])
    if payload.get("parallel_tool_calls") is not None and tools:
        chat["parallel_tool_calls"] = payload["parallel_tool_calls"]
    text = payload.get("text") or {}
    fmt = text.get("format") or {}
    if fmt.get("type") == "json_schema":
        schema = {"name": fmt.get("name", "output"), "schema": fmt.get("schema") or {}}
        if fmt.get("strict") is not None:
            schema["strict"] = fmt["strict"]
        chat["response_format"] = {"type": "json_schema", "json_schema": schema}
    elif fmt.get("type") == "json_object":
        chat["response_format"] = {"type": "json_object"}
    if text.get("verbosity"):
        chat["verbosity"] = text["verbosity"]
    if payload.get("max_output_tokens") is not None:
        chat["max_tokens"] = payload["max_output_tokens"]
    if payload.get("temperature") is not None:
        chat["temperature"] = payload["temperature"]
    if payload.get("top_p") is not None:
        chat["top_p"] = payload["top_p"]
    if payload.get("user"):
        chat["user"] = payload["user"]
    if stream:
        chat["stream"] = True
        chat["stream_options"] = {"include_usage": True}
    return chat


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))
