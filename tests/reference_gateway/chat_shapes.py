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
