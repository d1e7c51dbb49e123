"""The two holes a break-in found: model names that steer the upstream URL, and native ids outliving their owner."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from emulators import create_app as upstreams_app
from harness.servers import serve_in_thread
from reference_gateway.providers.base import ProviderSettings
from reference_gateway.providers.gemini import GeminiProvider
from reference_gateway.providers.upstream import UpstreamClient
from tests.reference_gateway.app_client import app_client
from tests.reference_gateway.emulated import providers

ALICE, BOB = "sec-key-alice", "sec-key-bob"
UPSTREAM_OPENAI_KEY = "sk-upstream-openai"
SEEN: list[str] = []


class Recorder:
    """Notes the path and query of every request the upstream receives."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != "/health":
            SEEN.append(scope["path"] + ("?" + scope["query_string"].decode() if scope["query_string"] else ""))
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def upstream_url() -> Iterator[str]:
    with serve_in_thread(Recorder(upstreams_app())) as running:
        yield running.url


@pytest.fixture
async def gateway(upstream_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client({"providers": providers(upstream_url)}, {"alice": ALICE, "bob": BOB}) as (_, client):
        yield client


BOB_HEADERS = {"authorization": f"Bearer {BOB}"}
HOSTILE_NAMES = [
    "../../v1/chat/completions#",
    "x:generateContent?evil=1#",
    "gemini-2.0-flash/../../../v1/messages",
    "m?key=stolen",
    "m#fragment",
    "m%2F..%2Fx",
    "m x",
    "m\n",
    "..",
    "",
]


@pytest.mark.parametrize("provider", ["openai", "groq", "anthropic", "gemini"])
@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_a_model_name_cannot_steer_the_upstream_request(
    gateway: httpx.AsyncClient, provider: str, name: str
) -> None:
    SEEN.clear()
    for path in ("/v1/responses", "/v1/responses/input_tokens", "/v1/responses/compact"):
        response = await gateway.post(path, json={"model": f"{provider}/{name}", "input": "hi"})
        assert response.status_code in (400, 404), response.text
        error = response.json()["error"]
        assert error["param"] == "model" and error["code"] in ("invalid_model", "model_not_found")
    assert SEEN == [], f"a refused model name still reached the upstream: {SEEN}"


@pytest.mark.parametrize("name", ["x:streamGenerateContent", "gemini-2.0-flash:generateContent", "a/b"])
async def test_gemini_names_may_not_carry_an_action_or_a_path(gateway: httpx.AsyncClient, name: str) -> None:
    SEEN.clear()
    response = await gateway.post("/v1/responses", json={"model": f"gemini/{name}", "input": "hi"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_model"
    assert SEEN == []


async def test_a_valid_gemini_name_is_one_quoted_path_segment(gateway: httpx.AsyncClient) -> None:
    SEEN.clear()
    response = await gateway.post("/v1/responses", json={"model": "gemini/gemini-2.0-flash", "input": "hi"})
    assert response.status_code == 200, response.text
    assert SEEN == ["/v1beta/models/gemini-2.0-flash:generateContent"]
    adapter = GeminiProvider(
        ProviderSettings("g", "gemini", "http://up/v1beta"), UpstreamClient(connect=1, read=1, max_connections=1)
    )
    assert adapter._url("a/../b?c#d", "generateContent") == "http://up/v1beta/models/a%2F..%2Fb%3Fc%23d:generateContent"


async def _native(gateway: httpx.AsyncClient, text: str, **fields: Any) -> dict[str, Any]:
    response = await gateway.post("/v1/responses", json={"model": "openai/gpt-5-mini", "input": text, **fields})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_deleted_native_response_is_gone_for_every_key_and_upstream(
    gateway: httpx.AsyncClient, upstream_url: str
) -> None:
    created = await _native(gateway, "Remember the code word plum.")
    deleted = await gateway.delete(f"/v1/responses/{created['id']}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    upstream = httpx.get(
        f"{upstream_url}/v1/responses/{created['id']}", headers={"authorization": f"Bearer {UPSTREAM_OPENAI_KEY}"}
    )
    assert upstream.status_code == 404, "DELETE must delete the upstream copy too"
    unknown = "resp_" + "0" * 48
    for headers in ({}, BOB_HEADERS):
        for response_id in (created["id"], unknown):
            chained = await gateway.post(
                "/v1/responses",
                headers=headers,
                json={
                    "model": "openai/gpt-5-mini",
                    "input": "What is the code word?",
                    "previous_response_id": response_id,
                },
            )
            assert chained.status_code == 400, chained.text
            assert chained.json()["error"] == {
                "type": "invalid_request_error",
                "message": f"Previous response with id '{response_id}' not found.",
                "param": "previous_response_id",
                "code": "previous_response_not_found",
            }


async def test_another_keys_native_id_reads_exactly_like_a_missing_one(gateway: httpx.AsyncClient) -> None:
    created = await _native(gateway, "Remember the code word fig.")
    unknown = "resp_" + "1" * 48
    for method, suffix in (("GET", ""), ("GET", "/input_items"), ("DELETE", ""), ("POST", "/cancel")):
        theirs = await gateway.request(method, f"/v1/responses/{created['id']}{suffix}", headers=BOB_HEADERS)
        missing = await gateway.request(method, f"/v1/responses/{unknown}{suffix}", headers=BOB_HEADERS)
        assert theirs.status_code == missing.status_code == 404
        assert theirs.text.replace(created["id"], "ID") == missing.text.replace(unknown, "ID")
    # Alice's own response is untouched by bob's attempts.
    assert (await gateway.get(f"/v1/responses/{created['id']}")).status_code == 200
    chained = await gateway.post(
        "/v1/responses",
        json={"model": "openai/gpt-5-mini", "input": "What is the code word?", "previous_response_id": created["id"]},
    )
    assert chained.status_code == 200 and chained.json()["output"][-1]["content"][0]["text"] == "fig"


async def test_a_response_that_was_never_stored_can_still_be_continued_only_by_its_owner(
    gateway: httpx.AsyncClient,
) -> None:
    created = await _native(gateway, "Remember the code word lime.", store=False)
    assert (await gateway.get(f"/v1/responses/{created['id']}")).status_code == 404
    chained = await gateway.post(
        "/v1/responses",
        headers=BOB_HEADERS,
        json={"model": "openai/gpt-5-mini", "input": "q", "previous_response_id": created["id"]},
    )
    assert chained.json()["error"]["code"] == "previous_response_not_found"
