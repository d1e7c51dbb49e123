"""Faults by model name, in every protocol, streamed and not, each as that provider would produce it."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from emulators import create_app, faults

TEXT = "Reply with exactly one two three four five six seven eight."
SURFACES = ["responses", "chat", "anthropic", "gemini", "gemini-array"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "ARCHITECTURE.md"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as http:
        yield http


async def call(client: httpx.AsyncClient, surface: str, model: str, stream: bool) -> httpx.Response:
    user = [{"role": "user", "content": TEXT}]
    if surface == "responses":
        body = {"model": model, "input": TEXT, "stream": stream}
        return await client.post("/v1/responses", headers={"authorization": "Bearer sk-upstream-openai"}, json=body)
    if surface == "chat":
        body = {"model": model, "messages": user, "stream": stream}
        return await client.post("/v1/chat/completions", headers={"authorization": "Bearer gsk-upstream"}, json=body)
    if surface == "anthropic":
        headers = {"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"}
        body = {"model": model, "max_tokens": 64, "messages": user, "stream": stream}
        return await client.post("/v1/messages", headers=headers, json=body)
    action = "streamGenerateContent" if stream else "generateContent"
    query = "?alt=sse" if stream and surface == "gemini" else ""
    body = {"contents": [{"role": "user", "parts": [{"text": TEXT}]}]}
    path = f"/v1beta/models/{model}:{action}{query}"
    return await client.post(path, headers={"x-goog-api-key": "gemini-upstream"}, json=body)


def _model(surface: str, fault: str) -> str:
    base = {"responses": "gpt-5-mini", "chat": "llama-3.3-70b-versatile", "anthropic": "claude-sonnet-4-20250514"}
    return f"{base.get(surface, 'gemini-2.0-flash')}-{fault}"


def _data(response: httpx.Response) -> list[str]:
    """The data of every SSE frame, or the elements of a streamed JSON array (Gemini without alt=sse)."""
    text = response.text.replace("\r\n", "\n")
    if response.headers["content-type"].startswith("application/json"):
        return [piece for piece in text.removeprefix("[").removesuffix("]").split(",\n{") if piece]
    return [line[6:] for line in text.split("\n") if line.startswith("data: ")]


def _is_json(text: str) -> bool:
    try:
        json.loads(text if text.startswith(("{", "[")) or text == "[DONE]" else "{" + text)
    except ValueError:
        return text == "[DONE]"
    return True


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("surface", SURFACES)
async def test_fail_429_is_a_rate_limit_with_retry_after(client: httpx.AsyncClient, surface: str, stream: bool) -> None:
    response = await call(client, surface, _model(surface, "fail-429"), stream)
    assert response.status_code == 429 and response.headers["retry-after"] == faults.RETRY_AFTER
    body = response.json()
    if surface in ("responses", "chat"):
        assert (body["error"]["type"], body["error"]["code"]) == ("requests", "rate_limit_exceeded")
    elif surface == "anthropic":
        assert body["type"] == "error" and body["error"]["type"] == "rate_limit_error"
    else:
        assert (body["error"]["code"], body["error"]["status"]) == (429, "RESOURCE_EXHAUSTED")


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("surface", SURFACES)
async def test_fail_401_rejects_the_gateways_own_key(client: httpx.AsyncClient, surface: str, stream: bool) -> None:
    response = await call(client, surface, _model(surface, "fail-401"), stream)
    body = response.json()
    if surface in ("responses", "chat"):
        assert response.status_code == 401 and body["error"]["code"] == "invalid_api_key"
    elif surface == "anthropic":
        assert response.status_code == 401
        assert body["error"] == {"type": "authentication_error", "message": "invalid x-api-key"}
    else:
        assert response.status_code == 403 and body["error"]["status"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("surface", SURFACES)
async def test_fail_malformed_breaks_the_json(client: httpx.AsyncClient, surface: str) -> None:
    plain = await call(client, surface, _model(surface, "fail-malformed"), False)
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        json.loads(plain.text)
    streamed = await call(client, surface, _model(surface, "fail-malformed"), True)
    data = _data(streamed)
    broken = [i for i, piece in enumerate(data) if not _is_json(piece)]
    assert len(broken) == 1 and 0 < broken[0] < len(data) - 1, data  # one chunk, mid-stream; the rest intact


@pytest.mark.parametrize("surface", SURFACES)
async def test_fail_shape_answers_the_wrong_shape(client: httpx.AsyncClient, surface: str) -> None:
    plain = await call(client, surface, _model(surface, "fail-shape"), False)
    assert plain.status_code == 200 and plain.json() == {"unexpected": True}
    streamed = await call(client, surface, _model(surface, "fail-shape"), True)
    data = _data(streamed)
    assert len(data) > 1
    assert all(
        piece == "[DONE]" or json.loads(piece if piece.startswith("{") else "{" + piece) == faults.WRONG_SHAPE
        for piece in data
    )


async def test_drip_sends_the_first_bytes_one_by_one_then_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    assert faults.DRIP_BYTES * faults.DRIP_INTERVAL <= 60, "a drip must end by itself within about a minute"
    monkeypatch.setattr(faults, "DRIP_INTERVAL", 0.001)
    pieces = [piece async for piece in faults.deliver("gpt-5-mini-drip", iter([b"x" * 40, b"y" * 5]))]
    assert pieces[: faults.DRIP_BYTES] == [b"x"] * faults.DRIP_BYTES
    assert pieces[faults.DRIP_BYTES :] == [b"x" * 10 + b"y" * 5]
    untouched = [piece async for piece in faults.deliver("gpt-5-mini", iter([b"ab", b"c"]))]
    assert untouched == [b"ab", b"c"]


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("surface", SURFACES)
async def test_drip_is_slow_but_complete(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, surface: str, stream: bool
) -> None:
    monkeypatch.setattr(faults, "DRIP_INTERVAL", 0.01)
    started = time.monotonic()
    response = await call(client, surface, _model(surface, "drip"), stream)
    assert time.monotonic() - started >= faults.DRIP_BYTES * 0.01
    assert response.status_code == 200
    if stream:
        assert all(_is_json(piece) for piece in _data(response))
    else:
        assert response.json()


@pytest.mark.parametrize("surface", SURFACES)
async def test_the_old_faults_still_work_on_every_surface(client: httpx.AsyncClient, surface: str) -> None:
    failed = await call(client, surface, _model(surface, "fail-500"), False)
    assert failed.status_code == 500
    cut = await call(client, surface, _model(surface, "fail-midstream"), True)
    complete = await call(client, surface, _model(surface, "plain").removesuffix("-plain"), True)
    assert cut.status_code == 200 and len(_data(cut)) < len(_data(complete))


def test_every_fault_is_in_the_one_table_and_documented() -> None:
    assert set(faults.FAULTS) == {
        "fail-500",
        "fail-429",
        "fail-401",
        "fail-midstream",
        "fail-malformed",
        "fail-shape",
        "hang",
        "drip",
    }
    docs = DOCS.read_text()
    assert all(f"`{name}`" in docs for name in faults.FAULTS)
    assert faults.fault_of("gpt-5-mini-fail-429") == "fail-429" and faults.base_model("fail-500-gpt-4o") == "gpt-4o"


async def test_fail_midstream_never_completes_even_a_one_chunk_stream(client: httpx.AsyncClient) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "Reply with exactly pong."}]}]}
    headers = {"x-goog-api-key": "gemini-upstream"}
    path = "/v1beta/models/{}:streamGenerateContent?alt=sse"
    whole = await client.post(path.format("gemini-2.0-flash"), headers=headers, json=body)
    assert len(_data(whole)) == 1 and "finishReason" in whole.text
    cut = await client.post(path.format("gemini-2.0-flash-fail-midstream"), headers=headers, json=body)
    assert cut.status_code == 200 and "finishReason" not in cut.text
