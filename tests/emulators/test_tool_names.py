"""Tool names each provider refuses are refused by its emulator too, in the provider's words: a gateway that
forwards a nameless or malformed tool must meet the 400 the real provider gives (LiteLLM's forwarded `name: ""`
passed the Anthropic and Gemini emulators before, and its verdict was the emulators' fault)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulators import create_app
from harness.servers import serve_in_thread

PROMPT = "Reply with exactly ok."
OPENAI = {"authorization": "Bearer sk-upstream-openai"}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(create_app()) as running:
        yield running.url


def _responses(name: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    tool = {"type": "function", "name": name, "parameters": {"type": "object"}}
    return "/v1/responses", OPENAI, {"model": "gpt-5-mini", "input": PROMPT, "tools": [tool]}


def _chat(name: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    tool = {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
    body = {"model": "llama-3.3-70b-versatile", "messages": [{"role": "user", "content": PROMPT}], "tools": [tool]}
    return "/v1/chat/completions", {"authorization": "Bearer gsk-upstream"}, body


def _anthropic(name: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    headers = {"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"}
    body = {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 32,
        "messages": [{"role": "user", "content": PROMPT}],
        "tools": [{"name": name, "input_schema": {"type": "object"}}],
    }
    return "/v1/messages", headers, body


def _gemini(name: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    body = {
        "contents": [{"role": "user", "parts": [{"text": PROMPT}]}],
        "tools": [{"functionDeclarations": [{"name": name, "parameters": {"type": "OBJECT"}}]}],
    }
    return "/v1beta/models/gemini-2.0-flash:generateContent", {"x-goog-api-key": "gemini-upstream"}, body


@pytest.mark.parametrize(
    ("wire", "name", "refusal"),
    [
        (_responses, "get.weather", "'tools[0].name': string does not match pattern"),
        (_responses, "x" * 65, "'tools[0].name': string too long"),
        (_chat, "", "only function tools with a name"),
        (_chat, "get weather", "'tools[0].function.name': string does not match pattern"),
        (_anthropic, "", "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"),
        (_anthropic, "get.weather", "tools.0.custom.name: String should match pattern"),
        (_gemini, "", "function_declarations[0].name: Invalid function name"),
        (_gemini, "1st_tool", "function_declarations[0].name: Invalid function name"),
    ],
)
def test_a_tool_name_the_provider_refuses_is_refused(url: str, wire: Any, name: str, refusal: str) -> None:
    path, headers, body = wire(name)
    response = httpx.post(url + path, headers=headers, json=body)
    assert response.status_code == 400, response.text
    assert refusal in response.text


@pytest.mark.parametrize("wire", [_responses, _chat, _anthropic, _gemini])
@pytest.mark.parametrize("name", ["get_weather", "lookup-2"])
def test_a_tool_name_the_provider_accepts_is_accepted(url: str, wire: Any, name: str) -> None:
    path, headers, body = wire(name)
    response = httpx.post(url + path, headers=headers, json=body)
    assert response.status_code == 200, response.text
