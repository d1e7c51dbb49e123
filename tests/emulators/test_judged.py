"""Every answer of the Responses emulator passes the harness's own wire judge at `openai` strictness, so a gateway
that passes them on unchanged is never blamed for the emulator's mistakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from harness.judge import judge_exchanges, validate
from harness.model import Level, Strictness
from harness.wire import Exchange, exchange_from
from tests.emulators.served import emulator_client

BEARER = {"authorization": "Bearer sk-upstream-openai"}
STRICT_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with emulator_client(BEARER) as http:
        yield http


def _exchange(index: int, response: httpx.Response) -> Exchange:
    request = response.request
    recorded_request = {
        "method": request.method,
        "uri": str(request.url),
        "headers": dict(request.headers),
        "body": request.content,
    }
    recorded_response = {
        "status": {"code": response.status_code},
        "headers": {k: [v] for k, v in response.headers.items()},
        "body": {"string": response.content},
    }
    return exchange_from(index, recorded_request, recorded_response)


async def _every_endpoint(client: httpx.AsyncClient) -> list[httpx.Response]:
    """Create (JSON and SSE, text, tools, hosted tools, structured output, history), retrieve, input_items,
    input_tokens, compact and delete."""
    answers: list[httpx.Response] = []

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = await client.post(path, json={"model": "gpt-5-mini", **body})
        assert answer.status_code == 200, answer.text
        answers.append(answer)
        return answer.json() if not body.get("stream") else {}

    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Remember the code word kiwi."},
        {"role": "assistant", "content": "Noted."},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Call the tool get_weather"}]},
    ]
    first = await post("/v1/responses", {"input": history, "tools": [STRICT_TOOL], "tool_choice": "required"})
    call = next(item for item in first["output"] if item["type"] == "function_call")
    follow = [{"type": "function_call_output", "call_id": call["call_id"], "output": "Sunny"}]
    second = await post("/v1/responses", {"input": follow, "previous_response_id": first["id"], "tools": [STRICT_TOOL]})
    for stream in (False, True):
        await post("/v1/responses", {"input": "Reply with exactly ok.", "stream": stream})
        await post("/v1/responses", {"input": "Call the tool get_weather", "tools": [STRICT_TOOL], "stream": stream})
        hosted = {"tools": [{"type": "web_search_preview"}], "tool_choice": {"type": "web_search_preview"}}
        await post("/v1/responses", {"input": "news", "stream": stream, **hosted})
        dated = {"tools": [{"type": "web_search_preview_2025_03_11"}], "tool_choice": "required"}
        await post("/v1/responses", {"input": "Search the web for news.", "stream": stream, **dated})
        schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
        fmt = {"format": {"type": "json_schema", "name": "a", "schema": schema, "strict": True}}
        await post("/v1/responses", {"input": "Reply with exactly ok.", "text": fmt, "stream": stream})
        limited = {"input": "Reply with exactly " + "word " * 30 + ".", "max_output_tokens": 16}
        await post("/v1/responses", {**limited, "stream": stream})
    for response_id in (first["id"], second["id"]):
        answers.append(await client.get(f"/v1/responses/{response_id}"))
        answers.append(await client.get(f"/v1/responses/{response_id}/input_items"))
        answers.append(await client.get(f"/v1/responses/{response_id}/input_items", params={"order": "asc"}))
    await post("/v1/responses/input_tokens", {"input": history})
    await post("/v1/responses/compact", {"input": history})
    answers.append(await client.delete(f"/v1/responses/{second['id']}"))
    answers.append(await client.get(f"/v1/responses/{second['id']}"))  # a 404 in OpenAI's envelope
    return answers


async def test_every_responses_endpoint_passes_the_judge_at_openai_strictness(client: httpx.AsyncClient) -> None:
    answers = await _every_endpoint(client)
    exchanges = [_exchange(i, answer) for i, answer in enumerate(answers)]
    assert len(exchanges) > 20
    findings = [f for f in judge_exchanges(exchanges, Strictness.OPENAI) if f.level is Level.MUST]
    assert findings == []


async def test_input_items_are_a_valid_list_with_assistant_messages(client: httpx.AsyncClient) -> None:
    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    created = (await client.post("/v1/responses", json={"model": "gpt-5-mini", "input": history})).json()
    listed = (await client.get(f"/v1/responses/{created['id']}/input_items", params={"order": "asc"})).json()
    assistant = listed["data"][1]
    assert assistant["role"] == "assistant" and assistant["content"][0]["type"] == "output_text"
    assert validate("ResponseItemList", listed, Strictness.OPENAI) == []


async def test_tools_are_echoed_exactly_as_sent_strict_included(client: httpx.AsyncClient) -> None:
    loose = {"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}, "strict": False}
    tools = [STRICT_TOOL, loose, {"type": "web_search_preview"}]
    created = await client.post("/v1/responses", json={"model": "gpt-5-mini", "input": "hi", "tools": tools})
    echoed = created.json()["tools"]
    assert [tool["strict"] for tool in echoed[:2]] == [True, False]
    assert echoed[0] == STRICT_TOOL and echoed[1]["parameters"] == loose["parameters"]
    retrieved = (await client.get(f"/v1/responses/{created.json()['id']}")).json()
    assert retrieved["tools"] == echoed


async def test_a_function_tool_without_strict_is_echoed_with_openais_default(client: httpx.AsyncClient) -> None:
    bare = {"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}
    created = await client.post("/v1/responses", json={"model": "gpt-5-mini", "input": "hi", "tools": [bare]})
    assert created.json()["tools"] == [{**bare, "strict": True}]


async def _every_conversations_endpoint(client: httpx.AsyncClient) -> list[httpx.Response]:
    """Create (empty, with items and metadata), retrieve, update, items added, listed (paged, empty), retrieved and
    deleted, responses in the conversation (JSON and SSE, a tool call and its output), delete, and the 404s."""
    answers: list[httpx.Response] = []

    async def call(method: str, path: str, body: dict[str, Any] | None = None, **params: Any) -> Any:
        answer = await client.request(method, path, json=body, params=params or None)
        answers.append(answer)
        return answer.json() if "json" in answer.headers.get("content-type", "") else {}

    empty = await call("POST", "/v1/conversations")
    await call("GET", f"/v1/conversations/{empty['id']}/items")
    user = {"type": "message", "role": "user", "content": "Remember the code word kiwi."}
    conv = (await call("POST", "/v1/conversations", {"items": [user], "metadata": {"k": "v"}}))["id"]
    path = f"/v1/conversations/{conv}"
    await call("GET", path)
    await call("POST", path, {"metadata": {"k": "w"}})
    await call("POST", f"{path}/items", {"items": [{"role": "assistant", "content": "Noted."}]})
    for stream in (False, True):
        turn = {"model": "gpt-5-mini", "input": "What is the code word?", "conversation": conv, "stream": stream}
        await call("POST", "/v1/responses", turn)
    first = await call(
        "POST",
        "/v1/responses",
        {"model": "gpt-5-mini", "input": "Call the tool get_weather", "tools": [STRICT_TOOL], "conversation": conv},
    )
    output = {"type": "function_call_output", "call_id": first["output"][0]["call_id"], "output": "Sunny"}
    await call("POST", "/v1/responses", {"model": "gpt-5-mini", "input": [output], "conversation": {"id": conv}})
    listed = await call("GET", f"{path}/items", order="asc")
    await call("GET", f"{path}/items", limit=2, after=listed["data"][0]["id"])
    for item in listed["data"]:
        await call("GET", f"{path}/items/{item['id']}")
    await call("DELETE", f"{path}/items/{listed['data'][0]['id']}")
    await call("GET", f"{path}/items/{listed['data'][0]['id']}")  # a 404 in OpenAI's envelope
    await call("DELETE", path)
    await call("GET", path)  # a 404 too
    return answers


async def test_every_conversations_endpoint_passes_the_judge_at_openai_strictness(client: httpx.AsyncClient) -> None:
    answers = await _every_conversations_endpoint(client)
    assert [a.status_code for a in answers].count(200) == len(answers) - 2, [a.text for a in answers]
    exchanges = [_exchange(i, answer) for i, answer in enumerate(answers)]
    findings = [f for f in judge_exchanges(exchanges, Strictness.OPENAI) if f.level is Level.MUST]
    assert findings == []
