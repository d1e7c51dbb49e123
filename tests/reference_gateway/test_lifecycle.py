"""Response lifecycle endpoints in process: retrieve, delete, input_items paging, isolation, OpenAI's shapes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from reference_gateway import state
from reference_gateway.app import create_app
from reference_gateway.config import parse
from reference_gateway.routes import lifecycle
from reference_gateway.storage import Storage
from tests.reference_gateway.in_process import serve, spec_errors, turn_of, user


@pytest.fixture
async def client(storage: Storage) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(lifecycle.ROUTES, storage) as http:
        yield http


def completed(response_id: str, text: str) -> dict[str, Any]:
    part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
    message = {"id": f"msg_{response_id}", "type": "message", "role": "assistant", "status": "completed"}
    return {"id": response_id, "object": "response", "status": "completed", "output": [{**message, "content": [part]}]}


def stored(storage: Storage, owner: str, response_id: str, inputs: list[dict[str, Any]], **extra: Any) -> None:
    payload = {"model": "m", "input": inputs, **extra}
    state.record(storage, turn_of(owner, payload), completed(response_id, "done"))


async def test_a_stored_response_is_retrieved_as_it_was_kept(client: httpx.AsyncClient, storage: Storage) -> None:
    stored(storage, "alice", "resp_1", [user("hi")])
    response = await client.get("/v1/responses/resp_1")
    assert response.status_code == 200 and response.json() == completed("resp_1", "done")


async def test_delete_confirms_then_the_response_is_a_404(client: httpx.AsyncClient, storage: Storage) -> None:
    stored(storage, "alice", "resp_1", [user("hi")])
    deleted = await client.delete("/v1/responses/resp_1")
    assert deleted.json() == {"id": "resp_1", "object": "response.deleted", "deleted": True}
    for method, path in (("GET", ""), ("DELETE", ""), ("GET", "/input_items")):
        again = await client.request(method, f"/v1/responses/resp_1{path}")
        assert again.status_code == 404 and again.json()["error"]["type"] == "not_found_error"


async def test_another_keys_or_unstored_response_is_a_404_like_an_unknown_one(
    client: httpx.AsyncClient, storage: Storage
) -> None:
    stored(storage, "alice", "resp_alice", [user("hi")])
    stored(storage, "alice", "resp_ephemeral", [user("hi")], store=False)
    cases = [("bob", "resp_alice"), ("alice", "resp_ephemeral"), ("alice", "resp_nope")]
    for key, response_id in cases:
        for method, path in (("GET", ""), ("DELETE", ""), ("GET", "/input_items")):
            answer = await client.request(method, f"/v1/responses/{response_id}{path}", headers={"x-key": key})
            assert answer.status_code == 404
            assert answer.json() == {
                "error": {
                    "type": "not_found_error",
                    "message": f"Response with id '{response_id}' not found.",
                    "param": "response_id",
                    "code": "not_found",
                }
            }
    assert (await client.get("/v1/responses/resp_alice")).status_code == 200


async def test_input_items_default_to_newest_first_and_page_with_after(
    client: httpx.AsyncClient, storage: Storage
) -> None:
    stored(storage, "alice", "resp_1", [user(t) for t in ("a", "b", "c")])
    asc = (await client.get("/v1/responses/resp_1/input_items?order=asc")).json()
    assert [item["content"][0]["text"] for item in asc["data"]] == ["a", "b", "c"]
    assert all(item["id"].startswith("msg_") for item in asc["data"])
    assert asc["first_id"] == asc["data"][0]["id"] and asc["last_id"] == asc["data"][-1]["id"]
    desc = (await client.get("/v1/responses/resp_1/input_items")).json()
    assert [i["id"] for i in desc["data"]] == [i["id"] for i in reversed(asc["data"])]
    page = (await client.get("/v1/responses/resp_1/input_items", params={"order": "asc", "limit": 2})).json()
    assert [i["id"] for i in page["data"]] == [i["id"] for i in asc["data"][:2]] and page["has_more"] is True
    rest = await client.get(
        "/v1/responses/resp_1/input_items", params={"order": "asc", "after": page["last_id"], "include[]": "x"}
    )
    assert [i["id"] for i in rest.json()["data"]] == [asc["data"][2]["id"]] and rest.json()["has_more"] is False


@pytest.mark.parametrize(
    ("query", "param"),
    [("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"), ("order=up", "order"), ("after=x", "after")],
)
async def test_bad_paging_parameters_are_a_400_naming_them(
    client: httpx.AsyncClient, storage: Storage, query: str, param: str
) -> None:
    stored(storage, "alice", "resp_1", [user("a")])
    response = await client.get(f"/v1/responses/resp_1/input_items?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param and response.json()["error"]["type"] == "invalid_request_error"


async def test_streaming_a_stored_response_is_refused_not_ignored(client: httpx.AsyncClient, storage: Storage) -> None:
    stored(storage, "alice", "resp_1", [user("a")])
    response = await client.get("/v1/responses/resp_1?stream=true")
    assert response.status_code == 400 and response.json()["error"]["param"] == "stream"


async def test_input_items_and_deletion_match_openais_schemas(client: httpx.AsyncClient, storage: Storage) -> None:
    mixed = [
        user("plain"),
        {"type": "message", "role": "assistant", "content": "earlier answer"},
        {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "42"},
    ]
    payload = {"model": "m", "input": mixed}
    state.record(storage, turn_of("alice", payload), completed("resp_1", "done"))
    listed = (await client.get("/v1/responses/resp_1/input_items")).json()
    assert len(listed["data"]) == 4
    assert spec_errors("ResponseItemList", listed) == []
    assert spec_errors("ResponseItemList", {**listed, "object": "page"}), "the check can fail"


async def test_the_real_app_serves_what_the_gateway_stored_to_its_key_only() -> None:
    config = parse(
        {
            "keys": [{"name": "alice", "key": "key-a"}, {"name": "bob", "key": "key-b"}],
            "storage": {"path": ":memory:"},
            "providers": {"groq": {"type": "openai_chat", "base_url": "http://127.0.0.1:9/v1", "api_key": "x"}},
        },
        env={},
    )
    app = create_app(config)
    stored(app.state.gateway.storage, "alice", "resp_1", [user("hi")])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http:
        mine = await http.get("/v1/responses/resp_1/input_items", headers={"authorization": "Bearer key-a"})
        theirs = await http.get("/v1/responses/resp_1", headers={"authorization": "Bearer key-b"})
    await app.state.gateway.aclose()
    assert mine.status_code == 200 and mine.json()["data"][0]["content"][0]["text"] == "hi"
    assert theirs.status_code == 404
