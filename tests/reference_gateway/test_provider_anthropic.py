"""The Anthropic adapter: each translation alone, against Anthropic's recorded payloads, and end to end against
the emulated Messages API over loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from emulators import anthropic as emulator
from harness.servers import free_port, serve_in_thread
from harness.wire import parse_sse
from reference_gateway.errors import TranslationError
from reference_gateway.providers._anthropic_stream import AnthropicChunks
from reference_gateway.providers.anthropic import (
    AnthropicProvider,
    chat_usage,
    to_chat_completion,
    to_messages_request,
)
from reference_gateway.providers.base import ProviderSettings, UpstreamError
from tests.reference_gateway.adapters import on_client, upstream_errors
from tests.reference_gateway.chat_shapes import PARAMS, TIME, WEATHER, answered, call, calling, user

WIRE = Path(__file__).parent.parent / "fixtures" / "provider-wire" / "anthropic"


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serve_in_thread(Starlette(routes=emulator.routes())) as running:
        yield running.url


@pytest.fixture
async def provider(upstream: str) -> AsyncIterator[AnthropicProvider]:
    async with on_client(
        partial(AnthropicProvider, ProviderSettings("anthropic", "anthropic", upstream, "sk-ant"))
    ) as made:
        yield made


# translation alone ----------------------------------------------------------------------------------------------
def test_a_chat_history_becomes_the_exact_messages_request() -> None:
    chat = {
        "model": "claude",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": "Use metric units."},
            {"role": "user", "content": "Weather and time?"},
            calling(call("c1", "get_weather", '{"city":"Oslo"}'), content="Checking."),
            {"role": "tool", "tool_call_id": "c1", "content": "Snow"},
            {"role": "tool", "tool_call_id": "c2", "content": [{"type": "text", "text": "Noon"}]},
            {"role": "user", "content": "Thanks"},
        ],
        "tools": [WEATHER],
        "parallel_tool_calls": False,
        "max_completion_tokens": 300,
        "temperature": 0.2,
        "top_p": 0.9,
        "stop": "END",
        "user": "u-42",
        "stream_options": {"include_usage": True},
    }
    assert to_messages_request(chat) == {
        "model": "claude",
        "max_tokens": 300,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Weather and time?"}]},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Checking."},
                    {"type": "tool_use", "id": "c1", "name": "get_weather", "input": {"city": "Oslo"}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "c1", "content": "Snow"},
                    {"type": "tool_result", "tool_use_id": "c2", "content": "Noon"},
                    {"type": "text", "text": "Thanks"},
                ],
            },
        ],
        "system": "Be brief.\n\nUse metric units.",
        "tools": [{"name": "get_weather", "description": "Weather", "input_schema": PARAMS}],
        "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
        "temperature": 0.2,
        "top_p": 0.9,
        "stop_sequences": ["END"],
        "metadata": {"user_id": "u-42"},
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", {"type": "auto"}),
        ("none", {"type": "none"}),
        ("required", {"type": "any"}),
        ({"type": "function", "function": {"name": "get_weather"}}, {"type": "tool", "name": "get_weather"}),
    ],
)
def test_tool_choice_maps_to_anthropics_modes(choice: Any, expected: dict[str, Any]) -> None:
    body = to_messages_request({"model": "c", "messages": user("x"), "tools": [WEATHER], "tool_choice": choice})
    assert body["tool_choice"] == expected and body["max_tokens"] == 4096


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"response_format": {"type": "json_schema", "json_schema": {"schema": {}}}}, "'response_format'"),
        ({"verbosity": "low"}, "'verbosity'"),
        ({"seed": 7}, "'seed'"),
        ({"n": 2}, "'n'"),
        ({"tool_choice": "required"}, "no tools"),
        ({"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]}, "input_audio"),
    ],
)
def test_what_anthropic_cannot_express_is_refused_by_name(extra: dict[str, Any], named: str) -> None:
    with pytest.raises(TranslationError) as err:  # refused before anything goes upstream
        to_messages_request({"model": "c", "messages": user("x"), **extra})
    assert err.value.status == 400 and named in err.value.message and err.value.param is not None


def test_images_and_pdfs_become_anthropic_sources() -> None:
    content = [
        {"type": "text", "text": "Compare"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0="}},
    ]
    blocks = to_messages_request({"model": "c", "messages": [{"role": "user", "content": content}]})["messages"][0]
    assert blocks["content"][1:] == [
        {"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0="}},
    ]


# against Anthropic's recorded payloads ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "finish", "text"),
    [
        ("messages.json", "stop", None),
        ("messages_with_params.json", "stop", None),
        ("messages_extended_thinking.json", "stop", None),
        ("messages_with_tools.json", "tool_calls", "I'll check the current weather in Paris for you."),
    ],
)
def test_recorded_messages_become_chat_completions(name: str, finish: str, text: str | None) -> None:
    recorded = json.loads((WIRE / name).read_text())
    completion = to_chat_completion(recorded)
    [choice] = completion["choices"]
    texts = [b["text"] for b in recorded["content"] if b["type"] == "text"]
    assert choice["message"]["content"] == (text or "".join(texts)) and choice["finish_reason"] == finish
    assert completion["id"] == recorded["id"] and completion["object"] == "chat.completion"
    usage = recorded["usage"]
    assert completion["usage"]["prompt_tokens"] == usage["input_tokens"]
    assert completion["usage"]["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_recorded_tool_use_becomes_a_chat_tool_call() -> None:
    recorded = json.loads((WIRE / "messages_with_tools.json").read_text())
    [made] = to_chat_completion(recorded)["choices"][0]["message"]["tool_calls"]
    assert made == call("toolu_01Dq95J3WcnLmvSvBpAuaXwi", "get_weather", '{"location": "Paris"}')


def test_cache_reads_count_as_cached_prompt_tokens() -> None:
    usage = {"input_tokens": 10, "cache_read_input_tokens": 90, "cache_creation_input_tokens": 5, "output_tokens": 7}
    assert chat_usage(usage) == {
        "prompt_tokens": 105,
        "completion_tokens": 7,
        "total_tokens": 112,
        "prompt_tokens_details": {"cached_tokens": 90},
    }


def test_the_recorded_stream_becomes_role_content_finish_chunks() -> None:
    writer = AnthropicChunks(model="claude")
    chunks = []
    for event in parse_sse((WIRE / "messages_stream.txt").read_text()).events:
        chunks += writer.feed(event.event, event.data)
    assert writer.done
    assert [c["choices"][0]["delta"] for c in chunks] == [
        {"role": "assistant", "content": ""},
        {"content": "Hello World"},
        {},
    ]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert {c["id"] for c in chunks} == {"msg_01SJmPi7XXP8qscFQiHPR9oy"}
    assert writer.finish()[0]["usage"]["completion_tokens"] == 5


# end to end against the emulator ----------------------------------------------------------------------------------
async def test_text_completion_through_the_emulator(provider: AnthropicProvider) -> None:
    messages = [{"role": "system", "content": "Be kind."}, *user("What are your instructions?")]
    completion = await provider.complete({"model": "claude", "messages": messages})
    assert completion["choices"][0]["message"] == {"role": "assistant", "content": "instructions=Be kind."}
    assert completion["choices"][0]["finish_reason"] == "stop" and completion["usage"]["completion_tokens"] > 0


async def test_parallel_tool_calls_round_trip_through_the_emulator(provider: AnthropicProvider) -> None:
    ask = user("Call the tools get_weather and get_time with city=Oslo")
    first = await provider.complete({"model": "claude", "messages": ask, "tools": [WEATHER, TIME]})
    assert first["choices"][0]["finish_reason"] == "tool_calls"
    calls = first["choices"][0]["message"]["tool_calls"]
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == [
        ("get_weather", {"city": "Oslo"}),
        ("get_time", {}),
    ]
    history = answered(ask, calls, {0: "Snow", 1: "Noon"})
    second = await provider.complete({"model": "claude", "messages": history, "tools": [WEATHER, TIME]})
    assert second["choices"][0]["message"]["content"] == "The tool returned: Snow\nThe tool returned: Noon"
    single = await provider.complete(
        {"model": "claude", "messages": ask, "tools": [WEATHER, TIME], "parallel_tool_calls": False}
    )
    assert len(single["choices"][0]["message"]["tool_calls"]) == 1


def _kind(chunk: dict[str, Any]) -> str:
    if not chunk["choices"]:
        return "usage"
    choice = chunk["choices"][0]
    delta = choice["delta"]
    if choice["finish_reason"]:
        return f"finish:{choice['finish_reason']}"
    if "role" in delta:
        return "role"
    if "tool_calls" in delta:
        return "call:start" if "id" in delta["tool_calls"][0] else "call:args"
    return "content"


async def test_a_streamed_tool_call_gives_the_exact_chunk_sequence(provider: AnthropicProvider) -> None:
    request = {
        "model": "claude",
        "messages": user("Weather, city=Lima"),
        "tools": [WEATHER],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
    }
    chunks = [c async for c in provider.stream(request)]
    # The input {"city":"Lima"} arrives as an empty fragment (skipped) then two 8-character pieces.
    assert [_kind(c) for c in chunks] == ["role", "call:start", "call:args", "call:args", "finish:tool_calls", "usage"]
    start = chunks[1]["choices"][0]["delta"]["tool_calls"][0]
    assert (start["index"], start["function"]) == (0, {"name": "get_weather", "arguments": ""})
    assert start["id"].startswith("toolu_")
    pieces = "".join(c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] for c in chunks[2:4])
    assert json.loads(pieces) == {"city": "Lima"}
    assert chunks[-1]["usage"]["total_tokens"] == chunks[-1]["usage"]["prompt_tokens"] + 2


async def test_a_streamed_text_answer_gives_role_contents_finish_usage(provider: AnthropicProvider) -> None:
    request = {"model": "claude", "messages": user("Reply with exactly one two three four five six seven.")}
    chunks = [c async for c in provider.stream(request)]
    assert [_kind(c) for c in chunks] == ["role", "content", "content", "content", "finish:stop", "usage"]
    assert (
        "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-1]) == "one two three four five six seven"
    )


async def test_max_tokens_and_stop_reach_anthropic(provider: AnthropicProvider) -> None:
    ask = user("Reply with exactly one two three four five.")
    cut = await provider.complete({"model": "claude", "messages": ask, "max_tokens": 2})
    assert cut["choices"][0] == {
        "index": 0,
        "message": {"role": "assistant", "content": "one two"},
        "finish_reason": "length",
    }
    stopped = await provider.complete({"model": "claude", "messages": ask, "stop": ["three"]})
    assert (
        stopped["choices"][0]["message"]["content"] == "one two " and stopped["choices"][0]["finish_reason"] == "stop"
    )


async def test_count_tokens_uses_the_count_endpoint(provider: AnthropicProvider) -> None:
    short = await provider.count_tokens({"model": "claude", "messages": user("a b"), "max_tokens": 9, "temperature": 1})
    long = await provider.count_tokens({"model": "claude", "messages": user("a b c d e f")})
    assert 0 < short < long


async def test_upstream_faults_become_upstream_errors(provider: AnthropicProvider) -> None:
    with pytest.raises(UpstreamError) as err:
        await provider.complete({"model": "fail-500", "messages": user("x")})
    assert err.value.status == 502 and "The scripted upstream was told to fail." in err.value.message
    with pytest.raises(UpstreamError) as err:
        await provider.complete({"model": "claude", "messages": user("x"), "temperature": 1.7})
    assert err.value.status == 400 and "temperature" in err.value.message
    request = {"model": "fail-midstream", "messages": user("Reply with exactly a b c d e f g h i j k l.")}
    seen = []
    with pytest.raises(UpstreamError) as err:
        async for chunk in provider.stream(request):
            seen.append(_kind(chunk))
    assert err.value.status == 502 and "message_stop" in err.value.message and seen[0] == "role"


async def test_a_hanging_upstream_is_a_504(provider: AnthropicProvider) -> None:
    with pytest.raises(UpstreamError) as err:
        await provider.complete({"model": "hang", "messages": user("x")})
    assert err.value.status == 504


async def test_an_unreachable_upstream_is_a_502() -> None:
    nothing_listens = f"http://127.0.0.1:{free_port()}"  # the connection is refused
    settings = ProviderSettings("a", "anthropic", nothing_listens, "k")
    async with on_client(partial(AnthropicProvider, settings), connect=2.0, read=2.0) as provider:
        plain, streamed = await upstream_errors(provider, {"model": "claude", "messages": user("x")})
    assert plain.status == 502
    assert streamed.status == 502 and "ClientConnectorError" in streamed.message
