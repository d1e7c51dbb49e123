"""The real model's front (real_model/front.py): the emulated protocols, as strict as ever, answered by the model's
server (real_model/brain.py), every request journaled and scrubbed, and what the model answered kept beside it.
Here the server behind it is the emulators' own Chat Completions over the scripted model (in process), so the
answers are known; tests/real_model/test_server.py runs the real model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulators import create_app as create_emulators
from harness import phrases
from harness.cassettes import SECRET_HEADERS
from real_model.front import KEY, MODEL, WORKER_KEY, create_app

AUTH = {"authorization": f"Bearer {KEY}"}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture
async def front() -> AsyncIterator[httpx.AsyncClient]:
    worker = create_emulators(keys={"openai": [WORKER_KEY]}, models={"openai": [MODEL]})
    app = create_app("http://worker", transport=httpx.ASGITransport(app=worker))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://front") as client:
        yield client


async def journal(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    return list((await client.get("/_journal")).json()["data"])


def chat(text: str, **more: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": text}], **more}


async def test_an_answer_is_relayed_and_journaled_with_what_the_model_said(front: httpx.AsyncClient) -> None:
    answer = await front.post("/v1/chat/completions", headers=AUTH, json=chat(phrases.exactly("pong")))
    assert answer.status_code == 200
    said = answer.json()["choices"][0]["message"]["content"]
    assert said == "pong"
    (entry,) = await journal(front)
    assert entry["status"] == 200 and entry["credential"] == "valid"
    assert entry["reply"] == {"text": "pong", "function_calls": [], "finish_reason": "stop"}
    assert not set(SECRET_HEADERS) & set(entry["headers"])  # the caller's key is not in the journal


async def test_a_streamed_tool_call_is_relayed_chunk_by_chunk_and_journaled(front: httpx.AsyncClient) -> None:
    body = chat(phrases.call_tool("get_weather", "city=Paris"), stream=True, tools=[WEATHER], tool_choice="required")
    async with front.stream("POST", "/v1/chat/completions", headers=AUTH, json=body) as answer:
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
        frames = [line async for line in answer.aiter_lines() if line.startswith("data: ")]
    assert frames[-1] == "data: [DONE]" and len(frames) > 3
    (entry,) = await journal(front)
    assert entry["reply"]["function_calls"] == ["get_weather"] and entry["reply"]["finish_reason"] == "tool_calls"


@pytest.mark.parametrize(
    ("headers", "body", "status", "param"),
    [
        ({}, chat("hi"), 401, None),
        ({"authorization": "Bearer sk-wrong-key-0000"}, chat("hi"), 401, None),
        (AUTH, {**chat("hi"), "model": "gpt-5-mini"}, 404, None),
        (AUTH, chat("hi", tool_choice="sometimes"), 400, "tool_choice"),
        (AUTH, chat("hi", stream_options={"include_usage": True}), 400, "stream_options"),
        (AUTH, chat("hi", stop=["a", "b", "c", "d", "e"]), 400, "stop"),
        (AUTH, {"model": MODEL, "messages": []}, 400, "messages"),
    ],
    ids=["no key", "wrong key", "unknown model", "bad tool_choice", "stream_options unstreamed", "five stops", "empty"],
)
async def test_what_the_emulated_chat_refuses_the_front_refuses_before_the_model(
    front: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any], status: int, param: str | None
) -> None:
    answer = await front.post("/v1/chat/completions", headers=headers, json=body)
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["message"] and error["param"] == param
    (entry,) = await journal(front)  # journaled, refused, and no answer kept: the model was never asked
    assert entry["status"] == status and "reply" not in entry


async def test_every_protocol_is_answered_by_the_model_and_journaled(front: httpx.AsyncClient) -> None:
    ask = phrases.exactly("pong")
    responses = await front.post("/v1/responses", headers=AUTH, json={"model": MODEL, "input": ask})
    assert responses.status_code == 200 and responses.json()["output"][0]["content"][0]["text"] == "pong"
    anthropic = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    body = {"model": MODEL, "max_tokens": 64, "messages": [{"role": "user", "content": ask}]}
    messages = await front.post("/v1/messages", headers=anthropic, json=body)
    assert messages.status_code == 200 and messages.json()["content"][0]["text"] == "pong"
    gemini = {"contents": [{"role": "user", "parts": [{"text": ask}]}]}
    generated = await front.post(
        f"/v1beta/models/{MODEL}:generateContent", headers={"x-goog-api-key": KEY}, json=gemini
    )
    assert generated.status_code == 200
    assert [e["reply"]["text"] for e in await journal(front)] == ["pong", "pong", "pong"]


async def test_a_hosted_tool_is_refused_as_a_provider_refuses_what_its_model_cannot_do(
    front: httpx.AsyncClient,
) -> None:
    body = {"model": MODEL, "input": "Search the web for news.", "tools": [{"type": "web_search"}]}
    answer = await front.post("/v1/responses", headers=AUTH, json=body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["param"] == "tools" and "web_search" in error["message"]


async def test_an_input_item_of_no_known_type_is_refused_as_openai_refuses_it(front: httpx.AsyncClient) -> None:
    body = {"model": MODEL, "input": [{"type": "x_conformance_probe"}, {"role": "user", "content": "hi"}]}
    answer = await front.post("/v1/responses", headers=AUTH, json=body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["param"] == "input" and "'x_conformance_probe'" in error["message"]
