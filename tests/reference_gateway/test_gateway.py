"""The reference gateway over HTTP, in process (httpx.ASGITransport) in front of real emulated upstreams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from emulators import create_app as upstreams_app
from harness.servers import serve_in_thread
from tests.reference_gateway.app_client import app_client

KEY, OTHER = "test-key-alice", "test-key-bob"


@pytest.fixture(scope="module")
def upstream_url() -> Iterator[str]:
    # The emulator accepts only the keys and models it is told to: these tests' own.
    with serve_in_thread(
        upstreams_app(keys={"openai": ["sk-up", "x"]}, models={"openai": ["m", "gpt-5-mini"]})
    ) as running:
        yield running.url


@pytest.fixture
async def gateway(upstream_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = {
        "providers": {
            "openai": {"type": "openai_responses", "base_url": f"{upstream_url}/v1", "api_key": "sk-up"},
            "groq": {"type": "openai_chat", "base_url": f"{upstream_url}/v1", "api_key": "x", "stateful": "replay"},
            "dead": {"type": "openai_chat", "base_url": "http://127.0.0.1:9/v1", "api_key": "x"},
        },
        "default_provider": "openai",
        "timeouts": {"connect": 2, "read": 1},
    }
    async with app_client(settings, {"alice": KEY, "bob": OTHER}) as (_, client):
        yield client


def _events(text: str) -> list[dict]:
    assert text.rstrip().endswith("data: [DONE]"), "a gateway stream ends with [DONE] after its terminal event"
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ") and line != "data: [DONE]"]


async def test_missing_and_wrong_keys_get_a_401_envelope(gateway: httpx.AsyncClient) -> None:
    body = {"model": "groq/m", "input": "hi"}
    for headers in ({"authorization": ""}, {"authorization": "Bearer nope"}):
        response = await gateway.post("/v1/responses", json=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"
    ok = await gateway.post("/v1/responses", json=body, headers={"authorization": "", "x-api-key": KEY})
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("content", "status", "param"),
    [
        (b'{"model": ', 400, None),
        (b'["not", "an", "object"]', 400, None),
        (b'{"input": "hi"}', 400, "model"),
        (b'{"model": "nobody/m", "input": "hi"}', 404, "model"),
        (b'{"model": "groq/m", "input": 7}', 400, "input"),
    ],
)
async def test_bad_requests_get_a_clear_4xx_envelope(
    gateway: httpx.AsyncClient, content: bytes, status: int, param: str | None
) -> None:
    response = await gateway.post("/v1/responses", content=content, headers={"content-type": "application/json"})
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"type", "message", "param", "code"} and error["param"] == param and error["message"]


async def test_a_bare_model_name_goes_to_the_default_provider(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/v1/responses", json={"model": "gpt-5-mini", "input": "Reply with exactly ok."})
    assert response.status_code == 200 and response.json()["model"] == "gpt-5-mini"
    unknown = await gateway.post("/v1/responses", json={"model": "gpt/5", "input": "x"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"


async def test_an_upstream_that_hangs_is_a_504_not_a_hang(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post("/v1/responses", json={"model": "groq/hang", "input": "x"})
    assert response.status_code == 504 and response.json()["error"]["type"] == "server_error"


async def test_upstream_faults_become_5xx_envelopes(gateway: httpx.AsyncClient) -> None:
    failed = await gateway.post("/v1/responses", json={"model": "openai/fail-500", "input": "x"})
    assert failed.status_code == 502 and failed.json()["error"]["type"] == "server_error"
    unreachable = await gateway.post("/v1/responses", json={"model": "dead/m", "input": "x"})
    assert unreachable.status_code == 502 and "unreachable" in unreachable.json()["error"]["message"]


@pytest.mark.parametrize("model", ["groq/fail-midstream", "openai/fail-midstream"])
async def test_a_stream_that_breaks_ends_with_response_failed_and_is_not_stored(
    gateway: httpx.AsyncClient, model: str
) -> None:
    body = {
        "model": model,
        "input": "Reply with exactly one two three four five six seven eight nine ten.",
        "stream": True,
    }
    response = await gateway.post("/v1/responses", json=body)
    events = _events(response.text)
    assert events[-1]["type"] == "response.failed"
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    response_id = events[0]["response"]["id"]
    assert (await gateway.get(f"/v1/responses/{response_id}")).status_code == 404


async def test_a_streamed_response_is_stored_from_its_final_event(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/v1/responses", json={"model": "groq/m", "input": "Reply with exactly hi.", "stream": True}
    )
    final = _events(response.text)[-1]["response"]
    stored = await gateway.get(f"/v1/responses/{final['id']}")
    assert stored.json()["output"] == final["output"]


async def test_another_key_cannot_read_chain_or_delete_a_response(gateway: httpx.AsyncClient) -> None:
    created = (
        await gateway.post("/v1/responses", json={"model": "groq/m", "input": "Remember the code word fig."})
    ).json()
    bob = {"authorization": f"Bearer {OTHER}"}
    assert (await gateway.get(f"/v1/responses/{created['id']}", headers=bob)).status_code == 404
    assert (await gateway.delete(f"/v1/responses/{created['id']}", headers=bob)).status_code == 404
    for model in ("groq/m", "openai/gpt-5-mini"):
        chained = await gateway.post(
            "/v1/responses",
            headers=bob,
            json={"model": model, "input": "What is the code word?", "previous_response_id": created["id"]},
        )
        assert chained.status_code == 400
        assert chained.json()["error"]["code"] == "previous_response_not_found"
    assert (await gateway.get(f"/v1/responses/{created['id']}")).status_code == 200


async def test_conversations_belong_to_their_key(gateway: httpx.AsyncClient) -> None:
    conv = (
        await gateway.post(
            "/v1/conversations",
            json={"items": [{"type": "message", "role": "user", "content": "Remember the code word kiwi."}]},
        )
    ).json()
    bob = {"authorization": f"Bearer {OTHER}"}
    assert (await gateway.get(f"/v1/conversations/{conv['id']}", headers=bob)).status_code == 404
    used = await gateway.post(
        "/v1/responses",
        headers=bob,
        json={"model": "groq/m", "input": "What is the code word?", "conversation": conv["id"]},
    )
    assert used.status_code == 404
    mine = await gateway.post(
        "/v1/responses", json={"model": "groq/m", "input": "What is the code word?", "conversation": conv["id"]}
    )
    assert mine.json()["output"][0]["content"][0]["text"] == "kiwi"


async def test_chat_route_replays_the_stored_chain(gateway: httpx.AsyncClient) -> None:
    first = (
        await gateway.post("/v1/responses", json={"model": "groq/m", "input": "Remember the code word yew."})
    ).json()
    second = (
        await gateway.post(
            "/v1/responses",
            json={"model": "groq/m", "input": "What is the code word?", "previous_response_id": first["id"]},
        )
    ).json()
    assert second["output"][0]["content"][0]["text"] == "yew"
    assert second["previous_response_id"] == first["id"]


async def test_capabilities_are_published(gateway: httpx.AsyncClient) -> None:
    rows = (await gateway.get("/v1/capabilities")).json()["data"]
    assert {"provider": "groq", "feature": "hosted.file_search", "decision": "rejected"}.items() <= next(
        r for r in rows if r["provider"] == "groq" and r["feature"] == "hosted.file_search"
    ).items()


async def test_input_items_pagination_rejects_bad_parameters(gateway: httpx.AsyncClient) -> None:
    created = (await gateway.post("/v1/responses", json={"model": "groq/m", "input": "hi"})).json()
    for query, param in (("limit=0", "limit"), ("order=up", "order"), ("after=msg_nope", "after")):
        response = await gateway.get(f"/v1/responses/{created['id']}/input_items?{query}")
        assert response.status_code == 400 and response.json()["error"]["param"] == param
