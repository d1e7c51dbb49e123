"""The Chat Completions emulator, in process: the recorded wire, tool-call deltas, usage chunk, clean 400s."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from harness.wire import parse_sse
from tests.emulators.openai_errors import assert_openai_400
from tests.emulators.served import CITY, OPENAI_BEARER, emulator_client

WIRE = Path(__file__).parent.parent / "fixtures" / "provider-wire"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "parameters": CITY,
        },
    }
    for name in ("get_weather", "get_time")
]


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with emulator_client(OPENAI_BEARER) as http:
        yield http


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


async def chat(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/v1/chat/completions", json={"model": "gpt-4o-mini", **body})


async def test_completion_has_the_recorded_fields_in_order(client: httpx.AsyncClient) -> None:
    recorded = json.loads((WIRE / "openai" / "chat_completion.json").read_text())
    body = (await chat(client, messages=user("Reply with exactly Hello, World!"))).json()
    assert list(body) == list(recorded)
    assert list(body["choices"][0]) == list(recorded["choices"][0])
    assert body["choices"][0]["message"] == {**recorded["choices"][0]["message"], "content": "Hello, World!"}
    assert list(body["usage"]) == list(recorded["usage"]) and body["id"].startswith("chatcmpl-")


async def test_tool_call_completion_matches_the_recorded_message(client: httpx.AsyncClient) -> None:
    recorded = json.loads((WIRE / "openai" / "chat_with_tools.json").read_text())["choices"][0]
    body = (await chat(client, messages=user("Call the tool get_weather with city=Paris"), tools=TOOLS)).json()
    choice = body["choices"][0]
    assert list(choice["message"]) == list(recorded["message"]) and choice["finish_reason"] == "tool_calls"
    [call] = choice["message"]["tool_calls"]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}


async def test_stream_chunks_have_the_recorded_keys_and_end_with_done(client: httpx.AsyncClient) -> None:
    recorded = parse_sse((WIRE / "openai" / "chat_completion_stream.txt").read_text())
    text = (await chat(client, messages=user("Reply with exactly Hello, World!"), stream=True)).text
    ours = parse_sse(text)
    assert ours.done and text.endswith("data: [DONE]\n\n")
    for event in ours.events:
        assert list(event.payload) == list(recorded.events[0].payload)
    assert [e.payload["choices"][0]["delta"] for e in ours.events] == [
        e.payload["choices"][0]["delta"] for e in recorded.events
    ]


async def test_parallel_tool_calls_stream_as_indexed_deltas(client: httpx.AsyncClient) -> None:
    prompt = "Call the tools get_weather and get_time with city=Rome"
    text = (await chat(client, messages=user(prompt), tools=TOOLS, stream=True)).text
    deltas = [e.payload["choices"][0]["delta"] for e in parse_sse(text).events]
    assert deltas[0]["role"] == "assistant" and deltas[0]["tool_calls"][0]["function"]["name"] == "get_weather"
    arguments: dict[int, str] = {}
    for delta in deltas:
        for call in delta.get("tool_calls", []):
            arguments[call["index"]] = arguments.get(call["index"], "") + call["function"]["arguments"]
    assert {i: json.loads(a) for i, a in arguments.items()} == {0: {"city": "Rome"}, 1: {"city": "Rome"}}
    assert parse_sse(text).events[-1].payload["choices"][0]["finish_reason"] == "tool_calls"
    single = await chat(client, messages=user(prompt), tools=TOOLS, parallel_tool_calls=False)
    assert len(single.json()["choices"][0]["message"]["tool_calls"]) == 1


async def test_include_usage_adds_a_usage_chunk_without_choices(client: httpx.AsyncClient) -> None:
    body = {"messages": user("one two"), "stream": True, "stream_options": {"include_usage": True}}
    chunks = [e.payload for e in parse_sse((await chat(client, **body)).text).events]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["prompt_tokens"] == 2
    assert all(c["usage"] is None for c in chunks[:-1])
    plain = [e.payload for e in parse_sse((await chat(client, messages=user("x"), stream=True)).text).events]
    assert all("usage" not in c for c in plain)


async def test_conversation_roles_reach_the_model(client: httpx.AsyncClient) -> None:
    messages = [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": "Call the tool get_weather"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "Sunny"}]},
    ]  # fmt: skip
    body = (await chat(client, messages=messages, tools=TOOLS)).json()
    assert body["choices"][0]["message"]["content"] == "The tool returned: Sunny"
    asked = [messages[0], {"role": "user", "content": "What are your instructions?"}]
    assert (await chat(client, messages=asked)).json()["choices"][0]["message"]["content"] == "instructions=Be brief."
    kinds = (await chat(client, messages=[*messages[:1], *user("Which item types did you receive?")])).json()
    assert kinds["choices"][0]["message"]["content"] == "items=developer,user"


async def test_response_format_and_verbosity(client: httpx.AsyncClient) -> None:
    schema = {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "t", "schema": schema, "strict": True}}
    body = (await chat(client, messages=user("Tag it"), response_format=fmt)).json()
    jsonschema.validate(json.loads(body["choices"][0]["message"]["content"]), schema)
    obj = (await chat(client, messages=user("x"), response_format={"type": "json_object"})).json()
    assert json.loads(obj["choices"][0]["message"]["content"]) == {}
    verbose = (await chat(client, messages=user("What is your verbosity?"), verbosity="high")).json()
    assert verbose["choices"][0]["message"]["content"] == "verbosity=high"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": user("x")}, "model"),
        ({"model": "gpt-5-mini"}, "messages"),
        ({"model": "gpt-5-mini", "messages": [5]}, "messages[0]"),
        ({"model": "gpt-5-mini", "messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({"model": "gpt-5-mini", "messages": [{"role": "user", "content": 5}]}, "messages[0].content"),
        ({"model": "gpt-5-mini", "messages": [{"role": "assistant", "tool_calls": [{"id": "x"}]}]}, None),
        ({"model": "gpt-5-mini", "messages": user("x"), "tools": 5}, "tools"),
        ({"model": "gpt-5-mini", "messages": user("x"), "tools": [{"type": "web_search"}]}, "tools"),
        (
            {
                "model": "gpt-5-mini",
                "messages": user("x"),
                "tool_choice": {"type": "function", "function": {"name": "f"}},
            },
            None,
        ),
        ({"model": "gpt-5-mini", "messages": user("x"), "response_format": 5}, "response_format"),
        ({"model": "gpt-5-mini", "messages": user("x"), "stream_options": {"include_usage": True}}, "stream_options"),
    ],
)
async def test_bad_requests_get_a_400_in_openais_envelope(
    client: httpx.AsyncClient, body: dict[str, Any], param: str | None
) -> None:
    assert_openai_400(await client.post("/v1/chat/completions", json=body), param)


async def test_allowed_tools_in_required_mode_forces_an_allowed_function(client: httpx.AsyncClient) -> None:
    choice = {
        "type": "allowed_tools",
        "allowed_tools": {"mode": "required", "tools": [{"type": "function", "function": {"name": "get_time"}}]},
    }
    body = (await chat(client, messages=user("hello"), tools=TOOLS, tool_choice=choice)).json()
    assert body["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_time"


async def test_stop_and_token_budget_cut_the_reply_with_openais_finish_reasons(client: httpx.AsyncClient) -> None:
    ask = user("Reply with exactly one two three four END five.")
    stopped = (await chat(client, messages=ask, stop=["END", "zzz"])).json()["choices"][0]
    assert stopped["message"]["content"] == "one two three four " and stopped["finish_reason"] == "stop"
    cut = (await chat(client, messages=ask, max_completion_tokens=2)).json()
    assert cut["choices"][0]["message"]["content"] == "one two" and cut["choices"][0]["finish_reason"] == "length"
    assert cut["usage"]["completion_tokens"] == 2
    streamed = (await chat(client, messages=ask, max_tokens=3, stream=True)).text
    chunks = [e.payload for e in parse_sse(streamed).events]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "one two three"
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    roomy = (await chat(client, messages=ask, max_tokens=100)).json()["choices"][0]
    assert roomy["finish_reason"] == "stop" and roomy["message"]["content"].endswith("five")
    for bad in ({"stop": 5}, {"max_tokens": 0}, {"max_completion_tokens": "9"}):
        assert (await chat(client, messages=ask, **bad)).status_code == 400
