"""Anthropic and Gemini adapters: each translation alone, and end to end against their emulated upstreams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from emulators import create_app
from harness.servers import serve_in_thread
from reference_gateway.providers.anthropic import AnthropicProvider, to_chat_completion, to_messages_request
from reference_gateway.providers.base import ProviderSettings, UpstreamError
from reference_gateway.providers.gemini import GeminiProvider, to_gemini_request
from reference_gateway.providers.upstream import UpstreamClient

WIRE = Path(__file__).parent.parent / "fixtures" / "provider-wire" / "anthropic"
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
HISTORY = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Call the tool get_weather with city=Paris"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "Sunny"},
]


@dataclass(frozen=True)
class Upstream:
    """The emulated upstreams over loopback, and the gateway's client for them."""

    url: str
    client: UpstreamClient


@pytest.fixture(scope="module")
def emulators() -> Iterator[str]:
    keys = {"anthropic": ["sk-ant"], "gemini": ["g-key"]}
    models = {"anthropic": ["claude", "m"], "gemini": ["g", "m"]}
    with serve_in_thread(create_app(keys=keys, models=models)) as running:
        yield running.url


@pytest.fixture
async def client(emulators: str) -> AsyncIterator[Upstream]:
    upstream = Upstream(emulators, UpstreamClient(connect=5.0, read=5.0, max_connections=10))
    yield upstream
    await upstream.client.aclose()


def _anthropic(up: Upstream) -> AnthropicProvider:
    return AnthropicProvider(ProviderSettings("anthropic", "anthropic", up.url, "sk-ant"), up.client)


def _gemini(up: Upstream) -> GeminiProvider:
    return GeminiProvider(ProviderSettings("gemini", "gemini", f"{up.url}/v1beta", "g-key"), up.client)


def test_chat_history_becomes_an_anthropic_messages_request() -> None:
    body = to_messages_request(
        {
            "model": "claude",
            "messages": HISTORY,
            "tools": [TOOL],
            "tool_choice": "required",
            "parallel_tool_calls": False,
        }
    )
    assert body == {
        "model": "claude",
        "max_tokens": 4096,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Call the tool get_weather with city=Paris"}]},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}}],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "Sunny"}]},
        ],
        "system": "Be brief.",
        "tools": [{"name": "get_weather", "description": "", "input_schema": TOOL["function"]["parameters"]}],
        "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
    }


def test_a_recorded_anthropic_tool_answer_becomes_a_chat_completion() -> None:
    recorded = json.loads((WIRE / "messages_with_tools.json").read_text())
    completion = to_chat_completion(recorded)
    message = completion["choices"][0]["message"]
    assert message["content"] == "I'll check the current weather in Paris for you."
    assert message["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"location": "Paris"}'}
    assert completion["choices"][0]["finish_reason"] == "tool_calls"
    assert completion["usage"] == {
        "prompt_tokens": 380,
        "completion_tokens": 65,
        "total_tokens": 445,
        "prompt_tokens_details": {"cached_tokens": 0},
    }


def test_chat_history_becomes_a_gemini_request() -> None:
    body = to_gemini_request(
        {
            "model": "g",
            "messages": HISTORY,
            "tools": [TOOL],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "response_format": {"type": "json_schema", "json_schema": {"schema": {"type": "object"}}},
        }
    )
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert body["contents"][1] == {
        "role": "model",
        "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}],
    }
    assert body["contents"][2]["parts"][0]["functionResponse"] == {
        "name": "get_weather",
        "response": {"result": "Sunny"},
    }
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}}
    assert body["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": {"type": "object"},
    }


def test_images_are_carried_not_dropped() -> None:
    content = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    gemini = to_gemini_request({"model": "g", "messages": [{"role": "user", "content": content}]})
    assert gemini["contents"][0]["parts"][1] == {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}
    anthropic = to_messages_request({"model": "c", "messages": [{"role": "user", "content": content}]})
    assert anthropic["messages"][0]["content"][1] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
    }


@pytest.mark.parametrize("make", [_anthropic, _gemini])
async def test_tool_round_trip_against_the_emulator(client: Upstream, make: Any) -> None:
    provider = make(client)
    first = await provider.complete({"model": "m", "messages": HISTORY[:2], "tools": [TOOL]})
    [call] = first["choices"][0]["message"]["tool_calls"]
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    answer = await provider.complete(
        {
            "model": "m",
            "tools": [TOOL],
            "messages": [
                *HISTORY[:2],
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call["id"], "content": "Sunny"},
            ],
        }
    )
    assert answer["choices"][0]["message"]["content"] == "The tool returned: Sunny"


@pytest.mark.parametrize("make", [_anthropic, _gemini])
async def test_streams_become_chat_chunks_ending_with_usage(client: Upstream, make: Any) -> None:
    chunks = [
        c
        async for c in make(client).stream(
            {"model": "m", "messages": [{"role": "user", "content": "Reply with exactly one two three four five."}]}
        )
    ]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "one two three four five"
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


@pytest.mark.parametrize("make", [_anthropic, _gemini])
async def test_count_tokens_through_the_providers_endpoint(client: Upstream, make: Any) -> None:
    provider = make(client)
    short = await provider.count_tokens({"model": "m", "messages": [{"role": "user", "content": "a b"}]})
    long = await provider.count_tokens({"model": "m", "messages": [{"role": "user", "content": "a b c d e f"}]})
    assert 0 < short < long


@pytest.mark.parametrize("make", [_anthropic, _gemini])
async def test_upstream_failures_raise_upstream_error(client: Upstream, make: Any) -> None:
    provider = make(client)
    with pytest.raises(UpstreamError) as err:
        await provider.complete({"model": "fail-500", "messages": [{"role": "user", "content": "x"}]})
    assert err.value.status == 502
    with pytest.raises(UpstreamError):
        async for _ in provider.stream(
            {
                "model": "fail-midstream",
                "messages": [{"role": "user", "content": "Reply with exactly a b c d e f g h i j."}],
            }
        ):
            pass
