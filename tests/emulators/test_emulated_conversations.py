"""Issue 20, point 3: the emulated OpenAI serves the Conversations API, and `conversation` on POST /v1/responses
replays the conversation's items to the scripted model and appends the turn, so a gateway that forwards
conversations upstream is judged on what it did."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulators import create_app
from harness.judge import validate
from harness.model import Strictness
from harness.wire import parse_sse
from tests.emulators.openai_errors import assert_openai_400

OPENAI = {"authorization": "Bearer sk-upstream-openai"}
WEATHER = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream", headers=OPENAI) as http:
        yield http


def _user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": text}


async def _ok(response: httpx.Response, schema: str | None = None) -> Any:
    assert response.status_code == 200, response.text
    if schema:
        assert validate(schema, response.json(), Strictness.OPENAI) == []
    return response.json()


async def test_conversation_crud_is_shaped_as_openais(client: httpx.AsyncClient) -> None:
    created = await _ok(await client.post("/v1/conversations", json={"metadata": {"k": "v"}}), "ConversationResource")
    assert created["id"].startswith("conv_") and len(created["id"]) == 53
    assert list(created) == ["id", "object", "created_at", "metadata"] and created["object"] == "conversation"
    path = f"/v1/conversations/{created['id']}"
    assert await _ok(await client.get(path), "ConversationResource") == created
    updated = await _ok(await client.post(path, json={"metadata": {"k": "w"}}), "ConversationResource")
    assert updated == {**created, "metadata": {"k": "w"}}
    deleted = await _ok(await client.delete(path), "DeletedConversationResource")
    assert deleted == {"id": created["id"], "object": "conversation.deleted", "deleted": True}
    missing = await client.get(path)
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "invalid_request_error"
    assert (await client.delete(path)).status_code == 404


async def test_a_conversation_may_be_created_with_no_body(client: httpx.AsyncClient) -> None:
    created = await _ok(await client.post("/v1/conversations"), "ConversationResource")
    assert created["metadata"] == {}


async def test_items_are_added_listed_retrieved_and_deleted(client: httpx.AsyncClient) -> None:
    conv = await _ok(await client.post("/v1/conversations", json={"items": [_user("one")]}))
    path = f"/v1/conversations/{conv['id']}/items"
    added = await _ok(await client.post(path, json={"items": [_user("two"), _user("three")]}), "ConversationItemList")
    assert [i["content"][0]["text"] for i in added["data"]] == ["two", "three"] and added["has_more"] is False
    assert added["first_id"] == added["data"][0]["id"] and added["last_id"] == added["data"][1]["id"]
    listed = await _ok(await client.get(path, params={"order": "asc"}), "ConversationItemList")
    assert [i["content"][0] for i in listed["data"]] == [
        {"type": "input_text", "text": t} for t in ("one", "two", "three")
    ]
    assert all(i["type"] == "message" and i["status"] == "completed" for i in listed["data"])
    newest = await _ok(await client.get(path, params={"limit": 1}))
    assert newest["data"][0]["content"][0]["text"] == "three" and newest["has_more"] is True
    page = await _ok(await client.get(path, params={"order": "asc", "after": listed["data"][0]["id"], "limit": 1}))
    assert [i["id"] for i in page["data"]] == [listed["data"][1]["id"]]
    item_id = listed["data"][1]["id"]
    one = await _ok(await client.get(f"{path}/{item_id}"), "ConversationItem")
    assert one == listed["data"][1]
    after_delete = await _ok(await client.delete(f"{path}/{item_id}"), "ConversationResource")
    assert after_delete["id"] == conv["id"]
    assert len((await client.get(path)).json()["data"]) == 2
    assert (await client.get(f"{path}/{item_id}")).status_code == 404
    empty = await _ok(await client.post("/v1/conversations"))
    assert (await _ok(await client.get(f"/v1/conversations/{empty['id']}/items"), "ConversationItemList"))["data"] == []


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/v1/conversations", {"metadata": 5}, "metadata"),
        ("/v1/conversations", {"metadata": {f"k{n}": "v" for n in range(17)}}, "metadata"),
        ("/v1/conversations", {"metadata": {"k": 5}}, "metadata.k"),
        ("/v1/conversations", {"items": [_user("x")] * 21}, "items"),
        ("/v1/conversations", {"items": [{"role": "robot", "content": "x"}]}, "items[0].role"),
        ("/v1/conversations", {"items": 5}, "items"),
        ("/v1/conversations", {"unknown": 1}, None),
        ("{conv}", {}, "metadata"),
        ("{conv}/items", {}, "items"),
        ("{conv}/items?limit=0", None, "limit"),
    ],
)
async def test_bad_conversation_requests_get_a_400_naming_the_field(
    client: httpx.AsyncClient, path: str, body: dict[str, Any] | None, param: str | None
) -> None:
    conv = (await client.post("/v1/conversations")).json()["id"]
    url = path.replace("{conv}", f"/v1/conversations/{conv}")
    answer = await (client.post(url, json=body) if body is not None else client.get(url))
    assert_openai_400(answer, param)


async def test_conversations_need_an_openai_key(client: httpx.AsyncClient) -> None:
    refused = await client.post("/v1/conversations", headers={"authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
    assert (await client.get("/v1/conversations/conv_1", headers={"authorization": ""})).status_code == 401


async def test_a_response_in_a_conversation_reads_its_history_and_appends_its_turn(client: httpx.AsyncClient) -> None:
    conv = (await client.post("/v1/conversations", json={"items": [_user("Remember the code word kiwi.")]})).json()
    body = {"model": "gpt-5-mini", "input": "What is the code word?", "conversation": conv["id"]}
    answer = await _ok(await client.post("/v1/responses", json=body), "Response")
    assert answer["output"][0]["content"][0]["text"] == "kiwi"
    assert answer["conversation"] == {"id": conv["id"]}
    keys = list(answer)
    assert keys.index("conversation") == keys.index("completed_at") + 1
    listed = (await client.get(f"/v1/conversations/{conv['id']}/items", params={"order": "asc"})).json()["data"]
    assert [(i["type"], i["role"]) for i in listed] == [
        ("message", "user"),
        ("message", "user"),
        ("message", "assistant"),
    ]
    assert listed[2] == answer["output"][0]
    streamed = await client.post("/v1/responses", json={**body, "conversation": {"id": conv["id"]}, "stream": True})
    events = [e.payload for e in parse_sse(streamed.text).events]
    assert events[-1]["response"]["conversation"] == {"id": conv["id"]}
    assert events[0]["response"]["conversation"] == {"id": conv["id"]}
    assert len((await client.get(f"/v1/conversations/{conv['id']}/items")).json()["data"]) == 5


async def test_a_tool_output_may_answer_a_call_kept_in_the_conversation(client: httpx.AsyncClient) -> None:
    conv = (await client.post("/v1/conversations")).json()["id"]
    first = {"model": "gpt-5-mini", "input": "Call the tool get_weather", "tools": [WEATHER], "conversation": conv}
    call = (await _ok(await client.post("/v1/responses", json=first)))["output"][0]
    output = {"type": "function_call_output", "call_id": call["call_id"], "output": "Sunny"}
    second = {"model": "gpt-5-mini", "input": [output], "conversation": conv}
    answer = await _ok(await client.post("/v1/responses", json=second))
    assert answer["output"][0]["content"][0]["text"] == "The tool returned: Sunny"
    items = (await client.get(f"/v1/conversations/{conv}/items", params={"order": "asc"})).json()["data"]
    assert [i["type"] for i in items] == ["message", "function_call", "function_call_output", "message"]
    assert (
        validate(
            "ConversationItemList",
            {"object": "list", "data": items, "first_id": "a", "last_id": "b", "has_more": False},
            Strictness.OPENAI,
        )
        == []
    )


async def test_conversation_refusals(client: httpx.AsyncClient) -> None:
    unknown = await client.post("/v1/responses", json={"model": "gpt-5-mini", "input": "x", "conversation": "conv_1"})
    assert unknown.status_code == 404 and unknown.json()["error"]["param"] == "conversation"
    conv = (await client.post("/v1/conversations")).json()["id"]
    first = (await client.post("/v1/responses", json={"model": "gpt-5-mini", "input": "x"})).json()
    both = {"model": "gpt-5-mini", "input": "x", "conversation": conv, "previous_response_id": first["id"]}
    assert_openai_400(await client.post("/v1/responses", json=both), "conversation")
    assert_openai_400(
        await client.post("/v1/responses", json={"model": "gpt-5-mini", "input": "x", "conversation": 5}),
        "conversation",
    )
    counted = await client.post(
        "/v1/responses/input_tokens", json={"model": "gpt-5-mini", "input": "x", "conversation": conv}
    )
    assert counted.status_code == 200
