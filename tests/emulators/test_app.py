"""The one app: credentials per protocol, errors in the provider's format, faults by model name, the command line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest

from harness.servers import wait_until_up
from harness.wire import parse_sse
from tests.emulators.served import emulator_client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with emulator_client() as http:
        yield http


BEARER = {"authorization": "Bearer sk-upstream-openai"}


async def test_health_needs_no_credential(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/v1/responses", "/v1/chat/completions", "/v1/responses/input_tokens"])
async def test_openai_paths_answer_401_in_openais_envelope_without_a_key(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, json={"model": "gpt-5-mini", "input": "x"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


async def test_unknown_paths_and_methods_answer_in_the_providers_format(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/nothing-here", headers=BEARER)
    assert missing.status_code == 404 and "/v1/nothing-here" in missing.json()["error"]["message"]
    wrong = await client.put("/v1/responses", headers=BEARER, json={})
    assert wrong.status_code == 405 and wrong.json()["error"]["type"] == "invalid_request_error"
    gemini = await client.get("/v1beta/nothing", headers={"x-goog-api-key": "gemini-upstream"})
    assert gemini.status_code == 404 and gemini.json()["error"]["status"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/responses", {"model": "gpt-5-mini-fail-500", "input": "hi"}),
        ("/v1/chat/completions", {"model": "gpt-5-mini-fail-500", "messages": [{"role": "user", "content": "hi"}]}),
        ("/v1/responses/compact", {"model": "fail-500", "input": "hi"}),
        ("/v1/responses", {"model": "fail-midstream", "input": "hi"}),
    ],
)
async def test_failing_models_answer_500_in_openais_envelope(
    client: httpx.AsyncClient, path: str, body: dict[str, object]
) -> None:
    response = await client.post(path, json=body, headers=BEARER)
    assert response.status_code == 500 and response.json()["error"]["type"] == "server_error"


async def test_fail_midstream_stops_before_the_terminal_event(client: httpx.AsyncClient) -> None:
    text = "Reply with exactly one two three four five six seven eight."
    responses = await client.post(
        "/v1/responses", headers=BEARER, json={"model": "fail-midstream", "input": text, "stream": True}
    )
    types = [e.payload["type"] for e in parse_sse(responses.text).events]
    assert types[0] == "response.created" and "response.completed" not in types
    chat = await client.post(
        "/v1/chat/completions",
        headers=BEARER,
        json={"model": "fail-midstream", "messages": [{"role": "user", "content": text}], "stream": True},
    )
    assert parse_sse(chat.text).events and not parse_sse(chat.text).done


def test_the_command_line_prints_its_url_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulators", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("upstreams listening on http://127.0.0.1:")
        url = first.removeprefix("upstreams listening on ")
        wait_until_up(f"{url}/health", timeout=15, proc=proc)  # type: ignore[arg-type]
        body = httpx.post(
            f"{url}/v1/responses", headers=BEARER, json={"model": "gpt-5-mini", "input": "Reply with exactly up."}
        )
        assert body.json()["output"][0]["content"][0]["text"] == "up"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
