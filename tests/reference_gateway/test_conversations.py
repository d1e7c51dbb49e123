"""The Conversations API in process: CRUD, items and their paging, isolation, bad input, OpenAI's shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reference_gateway import state
from reference_gateway.routes import conversations
from reference_gateway.storage import Storage
from tests.reference_gateway.in_process import serve, spec_errors, turn_of, user

BOB = {"x-key": "bob"}


@pytest.fixture
async def client(storage: Storage) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(conversations.ROUTES, storage) as http:
        yield http


def texts(listing: dict[str, Any]) -> list[str]:
    return [part["text"] for item in listing["data"] for part in item.get("content", [])]


async def new_conversation(client: httpx.AsyncClient, *texts: str, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/conversations", json={"items": [user(t) for t in texts], **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_conversation_is_created_retrieved_updated_and_deleted(client: httpx.AsyncClient) -> None:
    conv = await new_conversation(client, metadata={"topic": "fruit"})
    assert conv["id"].startswith("conv_") and conv["object"] == "conversation"
    assert conv["metadata"] == {"topic": "fruit"} and isinstance(conv["created_at"], int)
    assert (await client.get(f"/v1/conversations/{conv['id']}")).json() == conv
    updated = await client.post(f"/v1/conversations/{conv['id']}", json={"metadata": {"topic": "veg"}})
    assert updated.json() == {**conv, "metadata": {"topic": "veg"}}
    deleted = await client.delete(f"/v1/conversations/{conv['id']}")
    assert deleted.json() == {"id": conv["id"], "object": "conversation.deleted", "deleted": True}
    for method in ("GET", "DELETE"):
        gone = await client.request(method, f"/v1/conversations/{conv['id']}")
        assert gone.status_code == 404 and gone.json()["error"]["type"] == "not_found_error"
    assert (await client.get(f"/v1/conversations/{conv['id']}/items")).status_code == 404


async def test_a_conversation_can_be_created_with_no_body(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/conversations")
    assert response.status_code == 200 and response.json()["metadata"] == {}
    assert (await client.get(f"/v1/conversations/{response.json()['id']}/items")).json()["data"] == []


async def test_items_are_added_listed_paged_retrieved_and_deleted(client: httpx.AsyncClient) -> None:
    conv = await new_conversation(client, "one")
    base = f"/v1/conversations/{conv['id']}/items"
    added = (await client.post(base, json={"items": [user("two"), user("three")]})).json()
    assert added["object"] == "list" and texts(added) == ["two", "three"] and added["has_more"] is False
    assert all(item["id"].startswith("msg_") and item["status"] == "completed" for item in added["data"])
    asc = (await client.get(base, params={"order": "asc"})).json()
    assert texts(asc) == ["one", "two", "three"]
    assert texts((await client.get(base)).json()) == ["three", "two", "one"], "desc is the default"
    page = (await client.get(base, params={"order": "asc", "limit": 1, "after": asc["data"][0]["id"]})).json()
    assert [i["id"] for i in page["data"]] == [asc["data"][1]["id"]] and page["has_more"] is True
    second = asc["data"][1]["id"]
    assert (await client.get(f"{base}/{second}", params={"include": "message.output_text.logprobs"})).json() == (
        asc["data"][1]
    )
    after_delete = await client.delete(f"{base}/{second}")
    assert after_delete.json() == conv, "deleting an item answers with the conversation"
    assert texts((await client.get(base, params={"order": "asc"})).json()) == ["one", "three"]
    for method in ("GET", "DELETE"):
        gone = await client.request(method, f"{base}/{second}")
        assert gone.status_code == 404 and gone.json()["error"]["param"] == "item_id"


async def test_another_key_sees_nothing_of_a_conversation(client: httpx.AsyncClient) -> None:
    conv = await new_conversation(client, "private", metadata={"owner": "alice"})
    base = f"/v1/conversations/{conv['id']}"
    item_id = (await client.get(f"{base}/items")).json()["data"][0]["id"]
    attempts = [
        ("GET", base, None),
        ("POST", base, {"metadata": {"owner": "bob"}}),
        ("DELETE", base, None),
        ("GET", f"{base}/items", None),
        ("POST", f"{base}/items", {"items": [user("injected")]}),
        ("GET", f"{base}/items/{item_id}", None),
        ("DELETE", f"{base}/items/{item_id}", None),
    ]
    for method, path, body in attempts:
        response = await client.request(method, path, json=body, headers=BOB)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"] == {
            "type": "not_found_error",
            "message": f"Conversation with id '{conv['id']}' not found.",
            "param": "conversation_id",
            "code": "not_found",
        }
    assert (await client.get(base)).json() == conv
    assert texts((await client.get(f"{base}/items")).json()) == ["private"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"metadata": "x"}, "metadata"),
        ({"metadata": {str(n): "v" for n in range(17)}}, "metadata"),
        ({"metadata": {"k": 1}}, "metadata"),
        ({"metadata": {"k": "v" * 513}}, "metadata"),
        ({"items": "hi"}, "items"),
        ({"items": [user(str(n)) for n in range(21)]}, "items"),
        ({"items": ["hi"]}, "items[0]"),
        ({"items": [{"type": "telepathy"}]}, "items[0].type"),
        ({"items": [user("ok"), {"type": "message", "role": "wizard", "content": "x"}]}, "items[1].role"),
        ({"items": [{"type": "message", "role": "user"}]}, "items[0].content"),
        ({"items": [{"type": "message", "role": "user", "content": 5}]}, "items[0].content"),
        ({"items": [{"type": "function_call_output", "output": "x"}]}, "items[0].call_id"),
    ],
)
async def test_bad_conversation_bodies_are_a_400_naming_the_param(
    client: httpx.AsyncClient, body: dict[str, Any], param: str
) -> None:
    response = await client.post("/v1/conversations", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param and response.json()["error"]["type"] == "invalid_request_error"


async def test_bad_item_and_update_requests_are_a_400_naming_the_param(client: httpx.AsyncClient) -> None:
    conv = await new_conversation(client, "one")
    base = f"/v1/conversations/{conv['id']}"
    cases: list[tuple[str, str, dict[str, Any] | None, str]] = [
        ("POST", f"{base}/items", {"items": []}, "items"),
        ("POST", f"{base}/items", {}, "items"),
        ("POST", base, {}, "metadata"),
        ("GET", f"{base}/items?limit=0", None, "limit"),
        ("GET", f"{base}/items?order=sideways", None, "order"),
        ("GET", f"{base}/items?after=msg_nope", None, "after"),
    ]
    for method, path, body, param in cases:
        response = await client.request(method, path, json=body)
        assert response.status_code == 400 and response.json()["error"]["param"] == param, (path, response.text)
    broken = await client.post(base, content=b"{", headers={"content-type": "application/json"})
    assert broken.status_code == 400 and broken.json()["error"]["type"] == "invalid_request_error"


async def test_a_response_turn_lands_in_the_conversation_it_names(client: httpx.AsyncClient, storage: Storage) -> None:
    conv = await new_conversation(client, "Remember the code word fig.")
    payload = {"model": "m", "input": "What is the code word?", "conversation": conv["id"]}
    parsed = turn_of("alice", payload)
    history = [*state.history(storage, parsed, mode="replay"), *parsed.input]
    assert [p["text"] for item in history for p in item["content"]] == [
        "Remember the code word fig.",
        "What is the code word?",
    ]
    reply: dict[str, Any] = {"id": "msg_reply", "type": "message", "role": "assistant", "status": "completed"}
    reply["content"] = [{"type": "output_text", "text": "fig", "annotations": [], "logprobs": []}]
    response = {"id": "resp_1", "object": "response", "status": "completed", "output": [reply]}
    state.record(storage, parsed, response)
    listed = (await client.get(f"/v1/conversations/{conv['id']}/items", params={"order": "asc"})).json()
    assert texts(listed) == ["Remember the code word fig.", "What is the code word?", "fig"]


async def test_conversation_answers_match_openais_schemas(client: httpx.AsyncClient) -> None:
    conv = await new_conversation(client, "hello", metadata={"k": "v"})
    assert spec_errors("ConversationResource", conv) == []
    base = f"/v1/conversations/{conv['id']}/items"
    mixed = [
        {"role": "assistant", "content": "earlier answer"},
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "be brief"}]},
        {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "42"},
    ]
    added = (await client.post(base, json={"items": mixed})).json()
    assert spec_errors("ConversationItemList", added) == []
    listed = (await client.get(base)).json()
    assert len(listed["data"]) == 5 and spec_errors("ConversationItemList", listed) == []
    for item in listed["data"]:
        one = (await client.get(f"{base}/{item['id']}")).json()
        assert spec_errors("ConversationItem", one) == [], one
    assert spec_errors("ConversationResource", (await client.delete(f"{base}/{listed['data'][0]['id']}")).json()) == []
    deleted = (await client.delete(f"/v1/conversations/{conv['id']}")).json()
    assert spec_errors("DeletedConversationResource", deleted) == []
    assert spec_errors("DeletedConversationResource", {"id": conv["id"]}), "the check can fail"
