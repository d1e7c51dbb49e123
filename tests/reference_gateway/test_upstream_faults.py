"""Every upstream fault x every wire x streamed and not: what the caller gets, and that nothing broken is stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from emulators import create_app as upstreams_app
from harness.servers import serve_in_thread
from tests.reference_gateway.app_client import app_client
from tests.reference_gateway.emulated import providers

KEY = "faults-key"
MODELS = {
    "openai": "gpt-5-mini",
    "groq": "llama-3.3-70b-versatile",
    "anthropic": "claude-sonnet-4-20250514",
    "gemini": "gemini-2.0-flash",
}
CASES = [(provider, stream) for provider in MODELS for stream in (False, True)]


@pytest.fixture(scope="module")
def upstream_url() -> Iterator[str]:
    with serve_in_thread(upstreams_app()) as running:
        yield running.url


@pytest.fixture
async def app_and_client(upstream_url: str) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    settings = {
        "providers": providers(upstream_url),
        # A drip (one byte every 2 s) keeps a 3 s read timeout happy; only the overall deadline ends it.
        "timeouts": {"connect": 2, "read": 3},
        "limits": {"upstream_deadline": 2.5},
    }
    async with app_client(settings, {"alice": KEY}) as app_and_client:
        yield app_and_client


async def _ask(client: httpx.AsyncClient, provider: str, fault: str, stream: bool) -> httpx.Response:
    body = {"model": f"{provider}/{MODELS[provider]}-{fault}", "input": "Reply with exactly pong.", "stream": stream}
    return await client.post("/v1/responses", json=body, timeout=30)


async def _all(client: httpx.AsyncClient, fault: str) -> dict[tuple[str, bool], httpx.Response]:
    """Every wire, streamed and not, at once (the slow faults then cost their delay once, not eight times)."""
    answers = await asyncio.gather(*(_ask(client, p, fault, s) for p, s in CASES))
    return dict(zip(CASES, answers, strict=True))


def _stored(app: Any) -> int:
    return int(app.state.gateway.storage._rows("SELECT COUNT(*) FROM responses")[0][0])


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"type", "message", "param", "code"}
    return dict(error)


def _events(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.text.rstrip().endswith("data: [DONE]"), "every stream ends with [DONE]"
    lines = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    return [json.loads(line) for line in lines if line != "[DONE]"]


async def test_an_upstream_500_is_a_502(app_and_client: tuple[Any, httpx.AsyncClient]) -> None:
    app, client = app_and_client
    for (provider, _), response in (await _all(client, "fail-500")).items():
        error = _error(response, 502)
        assert error["type"] == "server_error" and provider in error["message"]
    assert _stored(app) == 0


async def test_an_upstream_429_keeps_its_status_retry_after_and_type(
    app_and_client: tuple[Any, httpx.AsyncClient],
) -> None:
    _, client = app_and_client
    for response in (await _all(client, "fail-429")).values():
        error = _error(response, 429)
        assert response.headers.get("retry-after") == "1"
        assert error["type"] != "invalid_request_error" and error["code"], error


async def test_the_providers_refusal_of_the_gateways_key_is_a_502_not_the_callers_401(
    app_and_client: tuple[Any, httpx.AsyncClient],
) -> None:
    _, client = app_and_client
    for (provider, _), response in (await _all(client, "fail-401")).items():
        error = _error(response, 502)
        assert error["code"] == "upstream_auth_failed" and f"provider '{provider}'" in error["message"]


async def test_a_hanging_upstream_is_a_504(app_and_client: tuple[Any, httpx.AsyncClient]) -> None:
    _, client = app_and_client
    for response in (await _all(client, "hang")).values():
        assert _error(response, 504)["type"] == "server_error"


async def test_a_drip_is_ended_by_the_overall_deadline(app_and_client: tuple[Any, httpx.AsyncClient]) -> None:
    app, client = app_and_client
    started = asyncio.get_running_loop().time()
    answers = await _all(client, "drip")
    assert asyncio.get_running_loop().time() - started < 10
    for (_, stream), response in answers.items():
        if response.status_code == 200:  # the 200 went out before the deadline: the stream fails instead
            assert stream and _events(response)[-1]["type"] == "response.failed"
        else:
            assert _error(response, 504)["message"].endswith("deadline of 2.5s")
    assert _stored(app) == 0


@pytest.mark.parametrize("fault", ["fail-midstream", "fail-malformed"])
async def test_a_stream_broken_midway_fails_and_is_never_stored(
    app_and_client: tuple[Any, httpx.AsyncClient], fault: str
) -> None:
    app, client = app_and_client
    for (_, stream), response in (await _all(client, fault)).items():
        if not stream or response.status_code != 200:  # broken before the first event: nothing was sent yet
            assert _error(response, 502)["type"] == "server_error"
            continue
        events = _events(response)
        kinds = [e["type"] for e in events]
        assert kinds[-1] == "response.failed" and "response.completed" not in kinds, kinds
        assert events[-1]["response"]["error"]["code"] == "server_error", "a code OpenAI's ResponseError allows"
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        response_id = events[-1]["response"]["id"]
        assert (await client.get(f"/v1/responses/{response_id}")).status_code == 404
    assert _stored(app) == 0


async def test_a_200_of_the_wrong_shape_is_a_502_and_nothing_is_stored(
    app_and_client: tuple[Any, httpx.AsyncClient],
) -> None:
    app, client = app_and_client
    for (_, stream), response in (await _all(client, "fail-shape")).items():
        if response.status_code == 200:
            assert stream and _events(response)[-1]["type"] == "response.failed"
        else:
            error = _error(response, 502)
            assert error["type"] == "server_error" and (stream or "wrong shape" in error["message"]), error
    assert _stored(app) == 0


async def test_the_control_without_a_fault_answers_and_is_stored(
    app_and_client: tuple[Any, httpx.AsyncClient],
) -> None:
    app, client = app_and_client
    answers = await asyncio.gather(
        *(
            client.post(
                "/v1/responses", json={"model": f"{p}/{MODELS[p]}", "input": "Reply with exactly pong.", "stream": s}
            )
            for p, s in CASES
        )
    )
    for (_, stream), response in zip(CASES, answers, strict=True):
        if stream:
            assert _events(response)[-1]["type"] == "response.completed"
        else:
            assert response.status_code == 200 and response.json()["status"] == "completed"
    assert _stored(app) == len(CASES)
