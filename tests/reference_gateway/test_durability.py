"""A response is reported completed only once it is stored: with SQLite's write lock held by another connection,
the terminal event (SSE or websocket) and the JSON answer wait for the write; if the lock outlives the storage's
busy timeout, the stream ends in response.failed and the JSON answer is a 503 naming the storage."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from emulators import create_app as upstreams_app
from harness.servers import serve_in_thread
from reference_gateway.app import create_app
from reference_gateway.config import parse
from tests.reference_gateway.emulated import providers

KEY = "durable-key"
AUTH = {"authorization": f"Bearer {KEY}"}
NATIVE, CHAT = "openai/gpt-5-mini", "groq/llama-3.3-70b-versatile"
BUSY = 1.0  # the storage's busy timeout, seconds


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    path = tmp_path_factory.mktemp("durable") / "gateway.sqlite"
    with serve_in_thread(upstreams_app()) as upstream:
        config = parse(
            {
                "keys": [{"name": "alice", "key": KEY}],
                "storage": {"path": str(path), "busy_timeout": BUSY},
                "providers": providers(upstream.url),
            },
            env={},
        )
        with serve_in_thread(create_app(config)) as gateway:
            yield gateway.url, path


class WriteLock:
    """SQLite's write lock on the gateway's database, held by another connection (as another process would)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("BEGIN IMMEDIATE")
        self.released_at: float | None = None

    def release(self) -> None:
        if self.released_at is None:
            self._db.execute("COMMIT")
            self._db.close()
            self.released_at = time.monotonic()

    def __enter__(self) -> WriteLock:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def _events(text: str) -> list[dict[str, Any]]:
    lines = [line[6:] for line in text.splitlines() if line.startswith("data: ")]
    return [json.loads(line) for line in lines if line != "[DONE]"]


async def _stream(base: str, model: str, lock: WriteLock) -> tuple[list[dict[str, Any]], float]:
    """A streamed store:true request; its events, and when its terminal event arrived."""
    body = {"model": model, "input": "Reply with exactly kept.", "stream": True}
    async with (
        httpx.AsyncClient(headers=AUTH, timeout=30) as http,
        http.stream("POST", f"{base}/v1/responses", json=body) as response,
    ):
        assert response.status_code == 200
        text, arrived = "", 0.0
        async for chunk in response.aiter_text():
            text += chunk
            if '"response.completed"' in chunk or '"response.failed"' in chunk:
                arrived = time.monotonic()
        return _events(text), arrived


async def _status_of(base: str, response_id: str) -> int:
    async with httpx.AsyncClient(headers=AUTH) as http:
        return (await http.get(f"{base}/v1/responses/{response_id}")).status_code


@pytest.mark.parametrize("model", [NATIVE, CHAT])
async def test_the_terminal_event_waits_until_the_response_is_stored(served: tuple[str, Path], model: str) -> None:
    base, path = served
    lock = WriteLock(path)
    asyncio.get_running_loop().call_later(0.6, lock.release)
    try:
        async with httpx.AsyncClient(timeout=5) as http:  # the event loop is not held up meanwhile
            started = time.monotonic()
            assert (await http.get(f"{base}/health")).status_code == 200
            assert time.monotonic() - started < 0.3
        events, arrived = await _stream(base, model, lock)
    finally:
        lock.release()
    assert events[-1]["type"] == "response.completed", [e["type"] for e in events]
    assert lock.released_at is not None and arrived >= lock.released_at, "completed was sent before it was stored"
    assert await _status_of(base, events[-1]["response"]["id"]) == 200


@pytest.mark.parametrize("model", [NATIVE, CHAT])
async def test_a_write_that_outlives_the_busy_timeout_ends_the_stream_in_response_failed(
    served: tuple[str, Path], model: str
) -> None:
    base, path = served
    with WriteLock(path) as lock:
        events, _ = await _stream(base, model, lock)
    kinds = [e["type"] for e in events]
    assert kinds[-1] == "response.failed" and "response.completed" not in kinds, kinds
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    failed = events[-1]["response"]
    assert failed["status"] == "failed" and failed["error"]["code"] == "server_error"
    assert "stor" in failed["error"]["message"], failed["error"]
    assert await _status_of(base, failed["id"]) == 404


async def test_over_the_websocket_too(served: tuple[str, Path]) -> None:
    base, path = served
    url = base.replace("http://", "ws://") + "/v1/responses"
    async with connect(url, additional_headers=AUTH) as socket:
        with WriteLock(path):
            await socket.send(json.dumps({"type": "response.create", "model": CHAT, "input": "Reply with exactly a."}))
            frames = []
            while not frames or frames[-1]["type"] not in ("response.completed", "response.failed", "error"):
                frames.append(json.loads(await socket.recv()))
        assert frames[-1]["type"] == "response.failed", [f["type"] for f in frames]
        await socket.send(json.dumps({"type": "response.create", "model": CHAT, "input": "Reply with exactly b."}))
        while (frame := json.loads(await socket.recv()))["type"] not in ("response.completed", "response.failed"):
            pass
        assert frame["type"] == "response.completed"  # the socket stays open, and stores again once the lock is gone
        assert await _status_of(base, frame["response"]["id"]) == 200


@pytest.mark.parametrize("model", [NATIVE, CHAT])
async def test_a_json_create_whose_write_fails_is_a_503_naming_the_storage(
    served: tuple[str, Path], model: str
) -> None:
    base, path = served
    with WriteLock(path):
        async with httpx.AsyncClient(headers=AUTH, timeout=30) as http:
            answer = await http.post(f"{base}/v1/responses", json={"model": model, "input": "Reply with exactly x."})
    assert answer.status_code == 503, answer.text
    error = answer.json()["error"]
    assert error["type"] == "server_error" and error["code"] == "storage_unavailable", error
    assert "stor" in error["message"] and "database is locked" not in error["message"]
    assert answer.headers["retry-after"]
    async with httpx.AsyncClient(headers=AUTH, timeout=30) as http:  # and afterwards, it stores again
        again = await http.post(f"{base}/v1/responses", json={"model": model, "input": "Reply with exactly y."})
    assert again.status_code == 200 and await _status_of(base, again.json()["id"]) == 200
