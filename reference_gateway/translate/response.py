"""Chat Completions result -> Responses object. Pure functions."""

from __future__ import annotations

import time
from typing import Any

from reference_gateway.ids import new_id
from reference_gateway.translate.types import ChatChoice, ChatCompletion, ChatMessage, ChatUsage


def skeleton(request: dict[str, Any], response_id: str, created_at: int, status: str) -> dict[str, Any]:
    """A Response object with every top-level field OpenAI sends, in OpenAI's order; output and usage empty."""
    text = dict(request.get("text") or {})
    text.setdefault("format", {"type": "text"})
    text.setdefault("verbosity", "medium")
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": False,
        "completed_at": None,
        "error": None,
        "frequency_penalty": request.get("frequency_penalty", 0.0),
        "incomplete_details": None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "max_tool_calls": request.get("max_tool_calls"),
        "model": request.get("model"),
        "output": [],
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "presence_penalty": request.get("presence_penalty", 0.0),
        "previous_response_id": request.get("previous_response_id"),
        "prompt_cache_key": request.get("prompt_cache_key"),
        "prompt_cache_retention": request.get("prompt_cache_retention"),
        "reasoning": request.get("reasoning") or {"effort": None, "summary": None},
        "safety_identifier": request.get("safety_identifier"),
        "service_tier": "default",
        "store": request.get("store", True),
        "temperature": request.get("temperature", 1.0),
        "text": text,
        "tool_choice": request.get("tool_choice", "auto"),
        "tools": echoed_tools(request.get("tools") or []),
        "top_logprobs": request.get("top_logprobs", 0),
        "top_p": request.get("top_p", 1.0),
        "truncation": request.get("truncation", "disabled"),
        "usage": None,
        "user": request.get("user"),
        "metadata": request.get("metadata") or {},
    }


def echoed_tools(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tools as sent, each function tool with every field OpenAI echoes. `strict` is what the upstream really
    applied: as sent, or false when absent (chat upstreams do not enforce a schema they were not asked to)."""
    out = []
    for tool in tools:
        if tool.get("type") == "function":
            strict = tool.get("strict")
            tool = {
                "description": None,
                "parameters": None,
                **tool,
                "strict": bool(strict) if strict is not None else False,
            }
        out.append(tool)
    return out


def usage(chat_usage: ChatUsage | None) -> dict[str, Any]:
    chat_usage = chat_usage or {}
    inp = int(chat_usage.get("prompt_tokens") or 0)
    out = int(chat_usage.get("completion_tokens") or 0)
    cached = int((chat_usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
    reasoning = int((chat_usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": inp + out,
    }


def message_item(item_id: str, text: str, status: str = "completed") -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
        "role": "assistant",
    }


def function_call_item(
    item_id: str, call_id: str, name: str, arguments: str, status: str = "completed"
) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "arguments": arguments,
        "call_id": call_id,
        "name": name,
    }


def chat_to_response(
    completion: ChatCompletion,
    *,
    request: dict[str, Any],
    response_id: str | None = None,
    created_at: int | None = None,
) -> dict[str, Any]:
    response = skeleton(request, response_id or new_id("resp_"), created_at or int(time.time()), "completed")
    choice: ChatChoice = (completion.get("choices") or [{}])[0]
    message: ChatMessage = choice.get("message") or {"role": "assistant"}
    output: list[dict[str, Any]] = []
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if content:
        output.append(message_item(new_id("msg_"), content))
    for call in message.get("tool_calls") or []:
        fn = call.get("function") or {}
        output.append(
            function_call_item(
                new_id("fc_"), call.get("id") or new_id("call_"), fn.get("name") or "", fn.get("arguments") or ""
            )
        )
    if not output:
        output.append(message_item(new_id("msg_"), ""))
    response["output"] = output
    response["usage"] = usage(completion.get("usage"))
    response["completed_at"] = int(time.time())
    if choice.get("finish_reason") == "length":
        response["status"] = "incomplete"
        response["incomplete_details"] = {"reason": "max_output_tokens"}
    return response
