"""The Gemini adapter: each translation alone, and end to end against the emulated Gemini API in process."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from functools import partial
from typing import Any

import pytest
from starlette.applications import Starlette

from emulators import gemini as emulator
from harness.servers import serve_in_thread
from reference_gateway.errors import TranslationError
from reference_gateway.providers.base import ProviderSettings, UpstreamError
from reference_gateway.providers.gemini import (
    GeminiProvider,
    call_id,
    chat_usage,
    to_chat_completion,
    to_gemini_request,
)
from tests.reference_gateway.adapters import on_client, upstream_errors
from tests.reference_gateway.chat_shapes import PARAMS, TIME, WEATHER, answered, call, calling, user


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serve_in_thread(Starlette(routes=emulator.routes())) as running:
        yield running.url + "/v1beta"


@pytest.fixture
async def provider(upstream: str) -> AsyncIterator[GeminiProvider]:
    async with on_client(partial(GeminiProvider, ProviderSettings("gemini", "gemini", upstream, "g-key"))) as made:
        yield made


# translation alone ----------------------------------------------------------------------------------------------
def test_a_chat_history_becomes_the_exact_generate_content_request() -> None:
    chat: dict[str, Any] = {
        "model": "g",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather and time?"},
            calling(call("c1", "get_weather", '{"city":"Oslo"}'), call("c2", "get_time", "{}")),
            {"role": "tool", "tool_call_id": "c1", "content": "Snow"},
            {"role": "tool", "tool_call_id": "c2", "content": "Noon"},
        ],
        "tools": [WEATHER, TIME],
        "tool_choice": "required",
        "response_format": {"type": "json_schema", "json_schema": {"name": "out", "schema": {"type": "object"}}},
        "max_tokens": 100,
        "temperature": 0.5,
        "top_p": 0.8,
        "stop": ["END"],
        "seed": 3,
        "user": "u-1",
    }
    assert to_gemini_request(chat) == {
        "contents": [
            {"role": "user", "parts": [{"text": "Weather and time?"}]},
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}},
                    {"functionCall": {"name": "get_time", "args": {}}},
                ],
            },
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "get_weather", "response": {"result": "Snow"}}},
                    {"functionResponse": {"name": "get_time", "response": {"result": "Noon"}}},
                ],
            },
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "tools": [
            {
                "functionDeclarations": [
                    {"name": "get_weather", "description": "Weather", "parametersJsonSchema": PARAMS},
                    {"name": "get_time", "description": "", "parametersJsonSchema": TIME["function"]["parameters"]},
                ]
            }
        ],
        "toolConfig": {"functionCallingConfig": {"mode": "ANY"}},
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseJsonSchema": {"type": "object"},
            "maxOutputTokens": 100,
            "temperature": 0.5,
            "topP": 0.8,
            "seed": 3,
            "stopSequences": ["END"],
        },
    }


@pytest.mark.parametrize(
    ("choice", "config"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        ({"type": "function", "function": {"name": "get_time"}}, {"mode": "ANY", "allowedFunctionNames": ["get_time"]}),
    ],
)
def test_tool_choice_maps_to_function_calling_modes(choice: Any, config: dict[str, Any]) -> None:
    body = to_gemini_request({"model": "g", "messages": user("x"), "tools": [TIME], "tool_choice": choice})
    assert body["toolConfig"] == {"functionCallingConfig": config}


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"verbosity": "high"}, "'verbosity'"),
        ({"tools": [TIME], "parallel_tool_calls": False}, "'parallel_tool_calls'"),
        ({"logprobs": True}, "'logprobs'"),
        ({"n": 3}, "'n'"),
        ({"messages": [{"role": "tool", "tool_call_id": "nope", "content": "x"}]}, "answers no earlier tool call"),
        ({"messages": [{"role": "system", "content": "only instructions"}]}, "at least one user"),
    ],
)
def test_what_gemini_cannot_express_is_refused_by_name(extra: dict[str, Any], named: str) -> None:
    with pytest.raises(TranslationError) as err:  # refused before anything goes upstream
        to_gemini_request({"model": "g", "messages": user("x"), **extra})
    assert err.value.status == 400 and named in err.value.message and err.value.param is not None


def test_a_gemini_result_becomes_a_chat_completion_with_stable_call_ids() -> None:
    result: dict[str, Any] = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "private reasoning", "thought": True},
                        {"text": "Let me look."},
                        {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}},
                        {"functionCall": {"name": "get_time", "args": {}, "id": "given-id"}},
                    ],
                },
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 4, "thoughtsTokenCount": 3},
        "responseId": "r1",
    }
    completion = to_chat_completion(result, "g")
    message = completion["choices"][0]["message"]
    assert message["content"] == "Let me look." and completion["choices"][0]["finish_reason"] == "tool_calls"
    assert message["tool_calls"] == [
        call(call_id("r1", "get_weather", {"city": "Oslo"}, 0), "get_weather", '{"city": "Oslo"}'),
        call("given-id", "get_time", "{}"),
    ]
    assert to_chat_completion(result, "g")["choices"][0]["message"]["tool_calls"] == message["tool_calls"]
    assert completion["usage"] == chat_usage(result["usageMetadata"])
    assert completion["usage"]["completion_tokens"] == 7 and completion["usage"]["total_tokens"] == 17


@pytest.mark.parametrize(
    ("result", "finish"),
    [
        ({"candidates": [{"content": {"parts": [{"text": "x"}]}, "finishReason": "MAX_TOKENS"}]}, "length"),
        ({"candidates": [{"content": {"parts": []}, "finishReason": "SAFETY"}]}, "content_filter"),
        ({"promptFeedback": {"blockReason": "SAFETY"}}, "content_filter"),
    ],
)
def test_gemini_finish_reasons_map_to_chat(result: dict[str, Any], finish: str) -> None:
    assert to_chat_completion(result, "g")["choices"][0]["finish_reason"] == finish


def test_a_malformed_function_call_is_an_upstream_failure() -> None:
    with pytest.raises(UpstreamError) as err:
        to_chat_completion({"candidates": [{"finishReason": "MALFORMED_FUNCTION_CALL"}]}, "g")
    assert err.value.status == 502


# end to end against the emulator ----------------------------------------------------------------------------------
async def test_text_and_structured_output_through_the_emulator(provider: GeminiProvider) -> None:
    plain = await provider.complete({"model": "g", "messages": user("Reply with exactly ok.")})
    assert plain["choices"][0]["message"] == {"role": "assistant", "content": "ok"}
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    fmt = {"type": "json_schema", "json_schema": {"name": "out", "schema": schema}}
    structured = await provider.complete(
        {"model": "g", "messages": user("Reply with exactly yes."), "response_format": fmt}
    )
    assert json.loads(structured["choices"][0]["message"]["content"]) == {"answer": "yes"}


async def test_parallel_tool_calls_round_trip_through_the_emulator(provider: GeminiProvider) -> None:
    ask = user("Call the tools get_weather and get_time with city=Rome")
    first = await provider.complete({"model": "g", "messages": ask, "tools": [WEATHER, TIME]})
    calls = first["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert len({c["id"] for c in calls}) == 2 and all(c["id"].startswith("call_") for c in calls)
    history = answered(ask, calls, {1: "Noon", 0: "Hot"})
    second = await provider.complete({"model": "g", "messages": history, "tools": [WEATHER, TIME]})
    assert second["choices"][0]["message"]["content"] == "The tool returned: Noon\nThe tool returned: Hot"


def _kind(chunk: dict[str, Any]) -> str:
    if not chunk["choices"]:
        return "usage"
    choice = chunk["choices"][0]
    if choice["finish_reason"]:
        return f"finish:{choice['finish_reason']}"
    delta = choice["delta"]
    return "role" if "role" in delta else "call" if "tool_calls" in delta else "content"


async def test_streams_give_the_exact_chunk_sequence(provider: GeminiProvider) -> None:
    text = [c async for c in provider.stream({"model": "g", "messages": user("Reply with exactly a b c d e f g.")})]
    assert [_kind(c) for c in text] == ["role", "content", "content", "content", "finish:stop", "usage"]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in text[:-1]) == "a b c d e f g"
    assert text[-1]["usage"]["completion_tokens"] == 7 and len({c["id"] for c in text}) == 1
    request = {"model": "g", "messages": user("Call the tool get_weather with city=Lima"), "tools": [WEATHER]}
    calls = [c async for c in provider.stream(request)]
    assert [_kind(c) for c in calls] == ["role", "call", "finish:tool_calls", "usage"]
    call = calls[1]["choices"][0]["delta"]["tool_calls"][0]
    assert call["index"] == 0 and call["id"].startswith("call_")
    assert call["function"] == {"name": "get_weather", "arguments": '{"city": "Lima"}'}


async def test_max_tokens_cuts_the_answer_with_a_length_finish(provider: GeminiProvider) -> None:
    ask = user("Reply with exactly one two three four five.")
    cut = await provider.complete({"model": "g", "messages": ask, "max_completion_tokens": 3})
    assert cut["choices"][0]["message"]["content"] == "one two three" and cut["choices"][0]["finish_reason"] == "length"


async def test_count_tokens_counts_instructions_and_tools_too(provider: GeminiProvider) -> None:
    bare = await provider.count_tokens({"model": "g", "messages": user("a b")})
    fuller = await provider.count_tokens(
        {"model": "g", "messages": [{"role": "system", "content": "c d e"}, *user("a b")], "tools": [WEATHER]}
    )
    assert 0 < bare < fuller


async def test_upstream_faults_become_upstream_errors(provider: GeminiProvider) -> None:
    plain, streamed = await upstream_errors(provider, {"model": "fail-500", "messages": user("x")})
    assert plain.status == 502 and streamed.status == 502
    request = {"model": "fail-midstream", "messages": user("Reply with exactly a b c d e f g h i j k l.")}
    seen = []
    with pytest.raises(UpstreamError) as err:
        async for chunk in provider.stream(request):
            seen.append(_kind(chunk))
    assert err.value.status == 502 and "finishReason" in err.value.message and seen[:2] == ["role", "content"]


async def test_an_upstream_timeout_is_a_504(provider: GeminiProvider) -> None:
    # The emulator's `hang` model answers nothing; the client's read timeout (0.5 s) ends the wait.
    with pytest.raises(UpstreamError) as err:
        await provider.complete({"model": "hang", "messages": user("x")})
    assert err.value.status == 504 and "timed out" in err.value.message


def test_the_stream_writer_is_pure_and_ends_only_on_a_finish_reason() -> None:
    from reference_gateway.providers.gemini import GeminiChunks

    writer = GeminiChunks(model="gemini-2.0-flash")
    first = {"responseId": "r1", "candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]}}]}
    call = {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
    second = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "lo"}, call]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2},
    }
    chunks = writer.feed(None, json.dumps(first)) + writer.feed(None, json.dumps(second)) + writer.finish()
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    assert deltas[0] == {"role": "assistant", "content": ""}
    assert "".join(d.get("content") or "" for d in deltas) == "Hello"
    assert deltas[3]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["usage"]["prompt_tokens"] == 3 and {c["id"] for c in chunks} == {"r1"}
    cut = GeminiChunks(model="m")
    cut.feed(None, json.dumps(first))
    with pytest.raises(UpstreamError, match="without a finishReason"):
        cut.finish()
