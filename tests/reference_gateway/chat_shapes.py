"""Chat Completions pieces the Anthropic and Gemini adapter tests both feed their adapter."""

from __future__ import annotations

from typing import Any

PARAMS: dict[str, Any] = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Weather", "parameters": PARAMS},
}
TIME: dict[str, Any] = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
}


def call(call_id: str, name: str, args: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def calling(*calls: dict[str, Any], content: str | None = None) -> dict[str, Any]:
    """An assistant message that makes tool `calls`."""
    return {"role": "assistant", "content": content, "tool_calls": list(calls)}


def answered(ask: list[dict[str, Any]], calls: list[dict[str, Any]], results: dict[int, str]) -> list[dict[str, Any]]:
    """The history after `ask` was answered with `calls`: the assistant's calls, then a tool message for each
    `results` entry (the index of the call it answers, and its content), in the order given."""
    return [
        *ask,
        calling(*calls),
        *({"role": "tool", "tool_call_id": calls[i]["id"], "content": content} for i, content in results.items()),
    ]
