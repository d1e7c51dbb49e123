"""The request journal: what arrived, in order, scrubbed as cassettes are; readable, pageable, resettable, bounded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulators import create_app
from harness.cassettes import SECRET_HEADERS
from tests.emulators.served import emulator_client

OPENAI = {"authorization": "Bearer sk-upstream-openai"}
ANTHROPIC = {"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with emulator_client() as http:
        yield http


async def _journal(client: httpx.AsyncClient, since: int | None = None) -> list[dict[str, Any]]:
    params = {"since": str(since)} if since is not None else {}
    answer = await client.get("/_journal", params=params)  # no credential needed
    assert answer.status_code == 200
    return list(answer.json()["data"])


async def test_every_request_is_recorded_in_arrival_order(client: httpx.AsyncClient) -> None:
    await client.post("/v1/responses", headers=OPENAI, json={"model": "gpt-5-mini", "input": "one"})
    body = {"model": "claude-sonnet-4-20250514", "max_tokens": 8, "messages": [{"role": "user", "content": "two"}]}
    await client.post("/v1/messages", headers=ANTHROPIC, json=body)
    gemini = {"contents": [{"role": "user", "parts": [{"text": "three"}]}]}
    await client.post("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=gemini-upstream", json=gemini)
    await client.get("/health")
    entries = await _journal(client)
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert [(e["protocol"], e["method"], e["path"]) for e in entries] == [
        ("openai", "POST", "/v1/responses"),
        ("anthropic", "POST", "/v1/messages"),
        ("gemini", "POST", "/v1beta/models/gemini-2.0-flash:streamGenerateContent"),
    ]
    assert entries[0]["body"] == {"model": "gpt-5-mini", "input": "one"}
    assert entries[1]["body"] == body and entries[1]["headers"]["anthropic-version"] == "2023-06-01"
    assert entries[2]["query"] == "alt=sse&key=REDACTED" and entries[2]["body"] == gemini
    assert [e["status"] for e in entries] == [200, 200, 200]
    assert all(e["credential"] == "valid" and isinstance(e["time"], float) for e in entries)


async def test_secrets_are_scrubbed_as_in_cassettes(client: httpx.AsyncClient) -> None:
    headers = {
        **OPENAI,
        "x-api-key": "sk-ant-upstream",
        "cookie": "session=1",
        "openai-organization": "org-1",
        "x-stainless-os": "Linux",
        "x-trace": "keep-me",
    }
    secret = "sk-live-0123456789abcdef"
    await client.post("/v1/responses", headers=headers, json={"model": "gpt-5-mini", "input": f"my key is {secret}"})
    [entry] = await _journal(client)
    assert not set(entry["headers"]) & set(SECRET_HEADERS)
    assert not any(name.startswith("x-stainless") for name in entry["headers"])
    assert entry["headers"]["x-trace"] == "keep-me"
    assert entry["body"]["input"] == "my key is REDACTED"
    assert "sk-upstream-openai" not in str(entry) and secret not in str(entry)


async def test_refused_requests_are_evidence_too(client: httpx.AsyncClient) -> None:
    await client.post("/v1/responses", json={"model": "gpt-5-mini", "input": "no key"})
    await client.post("/v1/responses", headers={"authorization": "Bearer sk-wrong-key"}, json={"model": "gpt-5-mini"})
    await client.post("/v1/responses", headers=OPENAI, json={"model": "gpt-9000", "input": "x"})
    await client.post("/v1/responses", headers=OPENAI, content=b"not json at all")
    entries = await _journal(client)
    assert [(e["credential"], e["status"]) for e in entries] == [
        ("missing", 401),
        ("invalid", 401),
        ("valid", 404),
        ("valid", 400),
    ]
    assert entries[-1]["body"] == "not json at all"


async def test_since_pages_and_delete_resets_without_reusing_numbers(client: httpx.AsyncClient) -> None:
    for word in ("a", "b", "c"):
        await client.post("/v1/responses", headers=OPENAI, json={"model": "gpt-5-mini", "input": word})
    assert [e["body"]["input"] for e in await _journal(client, since=1)] == ["b", "c"]
    assert await _journal(client, since=3) == []
    reset = await client.delete("/_journal")
    assert reset.status_code == 200 and reset.json()["deleted"] == 3
    assert await _journal(client) == []
    await client.post("/v1/responses", headers=OPENAI, json={"model": "gpt-5-mini", "input": "d"})
    assert [e["seq"] for e in await _journal(client, since=3)] == [4]
    bad = await client.get("/_journal", params={"since": "yesterday"})
    assert bad.status_code == 400 and "since" in bad.json()["error"]["message"]


async def test_the_journal_keeps_only_the_last_entries() -> None:
    transport = httpx.ASGITransport(app=create_app(journal_limit=3))
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as client:
        for word in ("a", "b", "c", "d", "e"):
            await client.post("/v1/responses", headers=OPENAI, json={"model": "gpt-5-mini", "input": word})
        entries = await _journal(client)
    assert [(e["seq"], e["body"]["input"]) for e in entries] == [(3, "c"), (4, "d"), (5, "e")]


async def test_a_streamed_request_still_reaches_the_emulator_whole(client: httpx.AsyncClient) -> None:
    body = {"model": "gpt-5-mini", "input": "Reply with exactly streamed.", "stream": True}
    answer = await client.post("/v1/responses", headers=OPENAI, json=body)
    assert answer.status_code == 200 and "response.completed" in answer.text
    [entry] = await _journal(client)
    assert entry["body"] == body and entry["status"] == 200


async def test_a_huge_body_is_journaled_as_its_length_and_digest(client: httpx.AsyncClient) -> None:
    big = {"model": "gpt-5-mini", "input": "x" * 300_000}
    await client.post("/v1/responses", json=big, headers=OPENAI)
    body = (await _journal(client))[-1]["body"]
    assert body["omitted_bytes"] > 300_000 and len(body["sha256"]) == 64


async def test_another_providers_key_on_this_path_is_that_providers_404(client: httpx.AsyncClient) -> None:
    # A gateway that passes an Anthropic-routed request through on an OpenAI path reaches, at the real providers,
    # Anthropic's host, which has no such path: a 404 in Anthropic's format, not OpenAI's 401.
    answer = await client.post("/v1/responses", json={"model": "gpt-5-mini", "input": "hi"}, headers=ANTHROPIC)
    assert answer.status_code == 404 and answer.json()["type"] == "error"
    assert answer.json()["error"]["type"] == "not_found_error"
    gemini = await client.post("/v1/conversations", json={}, headers={"x-goog-api-key": "gemini-upstream"})
    assert gemini.status_code == 404 and gemini.json()["error"]["status"] == "NOT_FOUND"
    # Its own protocol's wrong key is still that protocol's 401.
    wrong = await client.post(
        "/v1/responses", json={"model": "gpt-5-mini", "input": "hi"}, headers={"authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
