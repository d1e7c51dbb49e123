"""One provider's connection pool under hanging requests: a key may hold only its share of it (429 past that), and
a request that cannot get a connection in time is a 503 `upstream_pool_exhausted`, never an upstream timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from emulators import create_app as upstreams_app
from harness.servers import serve_in_thread
from reference_gateway.app import create_app
from reference_gateway.config import parse
from tests.reference_gateway.emulated import providers

KEYS = {"alice": "pool-alice", "bob": "pool-bob", "carol": "pool-carol"}
HEALTHY, HANGS = "openai/gpt-5-mini", "openai/gpt-5-mini-hang"


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[str, Any]]:
    app = upstreams_app()
    with serve_in_thread(app) as running:
        yield running.url, app.state.journal


@pytest.fixture
async def gateway(upstream: tuple[str, Any]) -> AsyncIterator[Any]:
    config = parse(
        {
            "keys": [{"name": name, "key": key} for name, key in KEYS.items()],
            "storage": {"path": ":memory:"},
            "providers": providers(upstream[0]),
            # A connect timeout far below the pool wait: a pool wait counted as connecting would be a 504 at 0.5 s.
            "timeouts": {"connect": 0.5, "read": 20},
            "limits": {"max_connections": 4, "max_concurrent_per_key": 2, "pool_wait": 1.0},
        },
        env={},
    )
    app = create_app(config)
    yield app
    await app.state.gateway.aclose()


def _client(app: Any, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://gw",
        headers={"authorization": f"Bearer {KEYS[key]}"},
        timeout=30,
    )


async def _ask(app: Any, key: str, model: str, **fields: Any) -> httpx.Response:
    async with _client(app, key) as client:
        return await client.post("/v1/responses", json={"model": model, "input": "Reply with exactly ok.", **fields})


async def _hang(app: Any, journal: Any, key: str, count: int) -> list[asyncio.Task[httpx.Response]]:
    """`count` requests of `key` that hang upstream, each holding a pooled connection once this returns."""
    before = journal.seq
    tasks = [asyncio.create_task(_ask(app, key, HANGS)) for _ in range(count)]
    for _ in range(200):
        if len(journal.since(before)) >= count:
            return tasks
        await asyncio.sleep(0.02)
    raise AssertionError(f"{count} hanging requests of {key} did not reach the upstream")


def _envelope(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"type", "message", "param", "code"} and error["message"]
    assert "timed out" not in error["message"], error
    return dict(error)


async def test_a_key_over_its_share_is_a_429_while_other_keys_go_on(gateway: Any, upstream: tuple[str, Any]) -> None:
    hanging = await _hang(gateway, upstream[1], "alice", 2)
    try:
        over = await asyncio.wait_for(_ask(gateway, "alice", HEALTHY), 3)
        error = _envelope(over, 429)
        assert error["code"] == "too_many_concurrent_requests" and over.headers["retry-after"] == "1"
        for stream in (False, True):  # another key, the same provider: served at once
            answer = await asyncio.wait_for(_ask(gateway, "bob", HEALTHY, stream=stream), 3)
            assert answer.status_code == 200, answer.text
        # alice on another provider: her share there is untouched
        other = await asyncio.wait_for(_ask(gateway, "alice", "groq/llama-3.3-70b-versatile"), 3)
        assert other.status_code == 200, other.text
    finally:
        for task in hanging:
            task.cancel()


async def test_a_full_pool_is_a_503_after_the_pool_wait_not_an_upstream_timeout(
    gateway: Any, upstream: tuple[str, Any]
) -> None:
    hanging = [*await _hang(gateway, upstream[1], "alice", 2), *await _hang(gateway, upstream[1], "bob", 2)]
    try:
        started = asyncio.get_running_loop().time()
        for stream in (False, True):
            waited = await asyncio.wait_for(_ask(gateway, "carol", HEALTHY, stream=stream), 5)
            error = _envelope(waited, 503)
            assert error["code"] == "upstream_pool_exhausted" and error["type"] == "server_error"
            assert "provider 'openai'" in error["message"] and waited.headers["retry-after"] == "1"
        assert asyncio.get_running_loop().time() - started >= 2 * 1.0  # each waited the pool wait, not 0.5 s
        other = await asyncio.wait_for(_ask(gateway, "carol", "anthropic/claude-sonnet-4-20250514"), 3)
        assert other.status_code == 200, other.text  # another provider's pool is its own
    finally:
        for task in hanging:
            task.cancel()
    # Once the hanging requests are gone, their connections and slots are free again.
    await asyncio.sleep(0.2)
    answers = await asyncio.gather(*(_ask(gateway, key, HEALTHY) for key in ("alice", "alice", "bob", "carol")))
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
