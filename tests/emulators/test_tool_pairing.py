"""Issue 20, point 3: a tool result that answers no earlier call is refused in each provider's own words, as the
real APIs refuse it (a gateway that loses the call, or rewrites its id, is caught by the upstream)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.emulators.served import emulator_client

OPENAI = {"authorization": "Bearer sk-upstream-openai"}
ANTHROPIC = {"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"}
GEMINI = {"x-goog-api-key": "gemini-upstream"}
WEATHER = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
CHAT_WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with emulator_client() as http:
        yield http


# OpenAI Responses -------------------------------------------------------------------------------------------------
def _output(call_id: str) -> dict[str, Any]:
    return {"type": "function_call_output", "call_id": call_id, "output": "Sunny"}


def _call(call_id: str) -> dict[str, Any]:
    return {"type": "function_call", "call_id": call_id, "name": "get_weather", "arguments": "{}"}


async def test_responses_refuses_an_output_that_answers_no_call(client: httpx.AsyncClient) -> None:
    body = {"model": "gpt-5-mini", "tools": [WEATHER], "input": [{"role": "user", "content": "go"}, _output("call_x")]}
    for path in ("/v1/responses", "/v1/responses/input_tokens"):
        answer = await client.post(path, headers=OPENAI, json=body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == {
            "message": "No tool call found for function call output with call_id call_x.",
            "type": "invalid_request_error",
            "param": "input",
            "code": None,
        }


async def test_responses_output_must_come_after_its_call(client: httpx.AsyncClient) -> None:
    late = [{"role": "user", "content": "go"}, _output("call_1"), _call("call_1")]
    answer = await client.post("/v1/responses", headers=OPENAI, json={"model": "gpt-5-mini", "input": late})
    assert answer.status_code == 400 and "call_id call_1." in answer.json()["error"]["message"]


async def test_responses_output_answers_a_call_in_the_input_or_the_stored_chain(client: httpx.AsyncClient) -> None:
    inline = [{"role": "user", "content": "go"}, _call("call_1"), _output("call_1")]
    answer = await client.post("/v1/responses", headers=OPENAI, json={"model": "gpt-5-mini", "input": inline})
    assert answer.status_code == 200 and "Sunny" in answer.text
    first = await client.post(
        "/v1/responses",
        headers=OPENAI,
        json={"model": "gpt-5-mini", "input": "Call the tool get_weather", "tools": [WEATHER]},
    )
    call_id = first.json()["output"][0]["call_id"]
    chained = {"model": "gpt-5-mini", "previous_response_id": first.json()["id"], "input": [_output(call_id)]}
    assert (await client.post("/v1/responses", headers=OPENAI, json=chained)).status_code == 200


# OpenAI Chat Completions (and Groq, on the same route) ------------------------------------------------------------
def _assistant(*ids: str) -> dict[str, Any]:
    calls = [{"id": i, "type": "function", "function": {"name": "get_weather", "arguments": "{}"}} for i in ids]
    return {"role": "assistant", "content": None, "tool_calls": calls}


def _tool(call_id: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": "Sunny"}


async def test_chat_refuses_a_tool_message_with_no_tool_calls_before_it(client: httpx.AsyncClient) -> None:
    messages = [{"role": "user", "content": "go"}, {"role": "assistant", "content": "ok"}, _tool("call_1")]
    answer = await client.post(
        "/v1/chat/completions", headers=OPENAI, json={"model": "gpt-4o", "messages": messages, "tools": [CHAT_WEATHER]}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == {
        "message": "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
        "'tool_calls'.",
        "type": "invalid_request_error",
        "param": "messages.[2].role",
        "code": None,
    }


async def test_chat_refuses_a_tool_message_whose_id_is_not_among_the_calls(client: httpx.AsyncClient) -> None:
    messages = [{"role": "user", "content": "go"}, _assistant("call_1", "call_2"), _tool("call_1"), _tool("call_9")]
    answer = await client.post("/v1/chat/completions", headers=OPENAI, json={"model": "gpt-4o", "messages": messages})
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (
        error["message"]
        == "Invalid parameter: 'tool_call_id' of 'call_9' not found in 'tool_calls' of previous message."
    )
    assert error["param"] == "messages.[3].tool_call_id"


async def test_chat_accepts_tool_messages_that_answer_the_calls_before_them(client: httpx.AsyncClient) -> None:
    messages = [{"role": "user", "content": "go"}, _assistant("call_1", "call_2"), _tool("call_2"), _tool("call_1")]
    answer = await client.post("/v1/chat/completions", headers=OPENAI, json={"model": "gpt-4o", "messages": messages})
    assert answer.status_code == 200, answer.text


# Anthropic ----------------------------------------------------------------------------------------------------------
async def test_anthropic_names_the_message_and_block_of_a_stray_tool_result(client: httpx.AsyncClient) -> None:
    use = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
    stray = {"type": "tool_result", "tool_use_id": "toolu_9", "content": "Sunny"}
    messages = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [{"type": "text", "text": "calling"}, use]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"}, stray]},
    ]
    body = {"model": "claude-sonnet-4-20250514", "max_tokens": 64, "messages": messages}
    answer = await client.post("/v1/messages", headers=ANTHROPIC, json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == {
        "type": "invalid_request_error",
        "message": "messages.2.content.1: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9. Each "
        "`tool_result` block must have a corresponding `tool_use` block in the previous message.",
    }


# Gemini -------------------------------------------------------------------------------------------------------------
async def test_gemini_refuses_a_function_response_with_no_function_call_before_it(client: httpx.AsyncClient) -> None:
    reply = {"functionResponse": {"name": "get_weather", "response": {"result": "Sunny"}}}
    contents = [
        {"role": "user", "parts": [{"text": "go"}]},
        {"role": "model", "parts": [{"text": "ok"}]},
        {"role": "user", "parts": [reply]},
    ]
    answer = await client.post(
        "/v1beta/models/gemini-2.5-flash:generateContent", headers=GEMINI, json={"contents": contents}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == {
        "code": 400,
        "message": "Please ensure that function response turn comes immediately after a function call turn.",
        "status": "INVALID_ARGUMENT",
    }
    first = await client.post(
        "/v1beta/models/gemini-2.5-flash:generateContent", headers=GEMINI, json={"contents": contents[2:]}
    )
    assert first.status_code == 400 and "function response turn" in first.text
