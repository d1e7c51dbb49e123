"""The real model's server (real_model/server.mjs) over loopback: OpenAI Chat Completions as the recorded wire has
it, with what a provider enforces enforced by decoding (a forced call, a JSON schema, a token budget) and what the
model chooses left to it; the same request gets the same answer."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest

from harness.servers import Running
from real_model.front import MODEL, WORKER_KEY

AUTH = {"authorization": f"Bearer {WORKER_KEY}"}
CITY = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
TOOLS = [
    {
        "type": "function",
        "function": {"name": "get_weather", "description": "The weather in a city.", "parameters": CITY},
    },
    {"type": "function", "function": {"name": "get_time", "description": "The time in a city.", "parameters": CITY}},
]


def post(server: Running, text: str, **more: Any) -> httpx.Response:
    body = {"model": MODEL, "messages": [{"role": "user", "content": text}], **more}
    return httpx.post(f"{server.url}/v1/chat/completions", headers=AUTH, json=body, timeout=120)


def message(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    choice: dict[str, Any] = answer.json()["choices"][0]
    return choice


def test_a_plain_answer_has_the_completion_shape_and_consistent_usage(model_server: Running) -> None:
    answer = post(model_server, "Say hello.")
    body = answer.json()
    assert body["object"] == "chat.completion" and body["model"] == MODEL and body["id"].startswith("chatcmpl-")
    choice = message(answer)
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    assert isinstance(choice["message"]["content"], str) and choice["message"]["content"]
    usage = body["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


@pytest.mark.parametrize(
    ("choice", "name"),
    [("required", None), ({"type": "function", "function": {"name": "get_time"}}, "get_time")],
    ids=["required", "named"],
)
def test_a_forced_call_is_a_call_with_arguments_of_the_tools_schema(
    model_server: Running, choice: Any, name: str | None
) -> None:
    got = message(post(model_server, "What is it like in Paris?", tools=TOOLS, tool_choice=choice))
    assert got["finish_reason"] == "tool_calls" and got["message"]["content"] is None
    (call,) = got["message"]["tool_calls"]
    assert call["type"] == "function" and call["id"].startswith("call_")
    assert call["function"]["name"] == (name or call["function"]["name"]) in {"get_weather", "get_time"}
    jsonschema.validate(json.loads(call["function"]["arguments"]), CITY)


def test_a_json_schema_format_gives_json_of_that_schema(model_server: Running) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    fmt = {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema}}
    got = message(post(model_server, "Answer in JSON: what is 2+2?", response_format=fmt))
    jsonschema.validate(json.loads(got["message"]["content"]), schema)


def test_the_token_budget_cuts_the_answer_and_says_so(model_server: Running) -> None:
    answer = post(model_server, "Tell me a long story about the sea.", max_tokens=5)
    assert message(answer)["finish_reason"] == "length"
    assert answer.json()["usage"]["completion_tokens"] <= 6  # the budget, give or take the tokenizer's re-count


def test_a_stream_says_what_the_plain_answer_says_then_usage_then_done(model_server: Running) -> None:
    plain = message(post(model_server, "Name a colour."))["message"]["content"]
    body = {"model": MODEL, "messages": [{"role": "user", "content": "Name a colour."}], "stream": True}
    body["stream_options"] = {"include_usage": True}
    with httpx.stream("POST", f"{model_server.url}/v1/chat/completions", headers=AUTH, json=body, timeout=120) as got:
        assert got.headers["content-type"].startswith("text/event-stream")
        frames = [line[6:] for line in got.iter_lines() if line.startswith("data: ")]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(f) for f in frames[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == plain  # greedy decoding with a fixed seed: the same request, the same answer
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "stop"


def test_a_wrong_key_or_model_is_refused_in_openais_envelope(model_server: Running) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    wrong_key = httpx.post(f"{model_server.url}/v1/chat/completions", json=body, timeout=10)
    assert wrong_key.status_code == 401 and wrong_key.json()["error"]["code"] == "invalid_api_key"
    wrong_model = httpx.post(
        f"{model_server.url}/v1/chat/completions", headers=AUTH, json={**body, "model": "gpt-5"}, timeout=10
    )
    assert wrong_model.status_code == 404 and wrong_model.json()["error"]["code"] == "model_not_found"
