"""The Responses websocket transport, over a real socket: the gateway under uvicorn in front of the emulators."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from uvicorn.protocols.http.h11_impl import H11Protocol
from websockets.asyncio.client import ClientConnection, connect

from emulators import create_app as upstreams_app
from harness.servers import serve_in_thread
from reference_gateway.app import create_app
from reference_gateway.config import parse
from reference_gateway.errors import GatewayError
from reference_gateway.providers.base import UpstreamError
from reference_gateway.routes.websocket import error_frame
from reference_gateway.server import header_timeout_protocol
from tests.reference_gateway.emulated import providers

KEY = "ws-key"
AUTH = {"authorization": f"Bearer {KEY}"}
CHAT, NATIVE, ANTHROPIC = "groq/llama-3.3-70b-versatile", "openai/gpt-5-mini", "anthropic/claude-sonnet-4-20250514"


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serve_in_thread(upstreams_app()) as running:
        yield running.url


def _config(upstream: str, **limits: Any) -> Any:
    return parse(
        {
            "keys": [{"name": "alice", "key": KEY}, {"name": "bob", "key": "ws-other"}],
            "storage": {"path": ":memory:"},
            "providers": providers(upstream),
            "limits": {"max_body_bytes": 65536, **limits},
        },
        env={},
    )


@pytest.fixture(scope="module")
def base(upstream: str) -> Iterator[str]:
    with serve_in_thread(create_app(_config(upstream)), http=header_timeout_protocol(5)) as gateway:
        yield gateway.url


@pytest.fixture(scope="module", params=["h11", "httptools"])
def quick_headers(request: pytest.FixtureRequest, upstream: str) -> Iterator[str]:
    """A gateway whose header timeout is 1 s, on either HTTP implementation."""
    if request.param == "h11":
        protocol: type = H11Protocol
    else:
        protocol = pytest.importorskip("uvicorn.protocols.http.httptools_impl").HttpToolsProtocol
    app = create_app(_config(upstream, header_timeout=1))
    with serve_in_thread(app, http=header_timeout_protocol(1, protocol)) as gateway:
        yield gateway.url


def _ws(base: str) -> str:
    return base.replace("http://", "ws://") + "/v1/responses"


async def _turn(socket: ClientConnection, **fields: Any) -> list[dict[str, Any]]:
    """Send one response.create frame; the frames that answer it, up to its terminal event or error."""
    await socket.send(json.dumps({"type": "response.create", **fields}))
    frames = []
    while True:
        frame = json.loads(await socket.recv())
        frames.append(frame)
        if frame["type"] in ("response.completed", "response.failed", "response.incomplete", "error"):
            return frames


def _text(frames: list[dict[str, Any]]) -> str:
    final = frames[-1]["response"]
    return "".join(p.get("text", "") for i in final["output"] if i["type"] == "message" for p in i["content"])


async def test_the_upgrade_needs_a_key(base: str) -> None:
    for headers in ({}, {"authorization": "Bearer nope"}):
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with connect(_ws(base), additional_headers=headers):
                pass


@pytest.mark.parametrize("model", [CHAT, NATIVE, ANTHROPIC])
async def test_responses_follow_each_other_in_order_and_chain(base: str, model: str) -> None:
    async with connect(_ws(base), additional_headers=AUTH) as socket:
        first = await _turn(socket, model=model, input="Remember the code word fig.", stream=True)
        assert first[0]["type"] == "response.created" and first[-1]["type"] == "response.completed"
        assert [f["sequence_number"] for f in first] == list(range(len(first)))
        second = await _turn(socket, model=model, input="Reply with exactly two.")
        assert _text(second) == "two"
        third = await _turn(
            socket, model=model, input="What is the code word?", previous_response_id=first[-1]["response"]["id"]
        )
        assert _text(third) == "fig"
        assert third[-1]["response"]["model"] == model


@pytest.mark.parametrize("model", [CHAT, NATIVE])
async def test_store_false_lives_as_long_as_the_connection(base: str, model: str) -> None:
    async with connect(_ws(base), additional_headers=AUTH) as socket:
        kept = await _turn(socket, model=model, input="Remember the code word kiwi.", store=False)
        response_id = kept[-1]["response"]["id"]
        follow = await _turn(socket, model=model, input="What is the code word?", previous_response_id=response_id)
        assert _text(follow) == "kiwi"
        assert follow[-1]["response"]["previous_response_id"] == response_id
    async with httpx.AsyncClient(headers=AUTH) as http:
        assert (await http.get(f"{base}/v1/responses/{response_id}")).status_code == 404
    async with connect(_ws(base), additional_headers=AUTH) as socket:
        gone = await _turn(socket, model=model, input="What is the code word?", previous_response_id=response_id)
        assert gone[-1]["type"] == "error" and gone[-1]["error"]["code"] == "previous_response_not_found"


async def test_a_failed_continuation_evicts_the_response_it_continued(base: str) -> None:
    async with connect(_ws(base), additional_headers=AUTH) as socket:
        kept = await _turn(socket, model=CHAT, input="Remember the code word plum.", store=False)
        response_id = kept[-1]["response"]["id"]
        failed = await _turn(socket, model=f"{CHAT}-fail-500", input="q", previous_response_id=response_id)
        assert failed[-1]["type"] == "error" and failed[-1]["status"] == 502
        again = await _turn(socket, model=CHAT, input="What is the code word?", previous_response_id=response_id)
        assert again[-1]["error"]["code"] == "previous_response_not_found"


async def test_compact_then_continue(base: str) -> None:
    async with connect(_ws(base), additional_headers=AUTH) as socket:
        first = await _turn(socket, model=CHAT, input="Remember the code word pear.")
        async with httpx.AsyncClient(headers=AUTH) as http:
            compacted = await http.post(
                f"{base}/v1/responses/compact",
                json={"model": CHAT, "input": [], "previous_response_id": first[-1]["response"]["id"]},
            )
        assert compacted.status_code == 200, compacted.text
        output = compacted.json()["output"]
        assert output[-1]["type"] == "compaction"
        user = {"type": "message", "role": "user", "content": "What is the code word?"}
        after = await _turn(socket, model=CHAT, input=[*output, user])
        assert _text(after) == "pear"


async def test_errors_are_error_frames_and_the_socket_stays_open(base: str) -> None:
    async with connect(_ws(base), additional_headers=AUTH) as socket:
        for bad, status, param in (
            ("{not json", 400, None),
            (json.dumps({"type": "session.update"}), 400, "type"),
            (json.dumps({"type": "response.create", "model": CHAT, "input": 5}), 400, "input"),
            (json.dumps({"type": "response.create", "model": CHAT, "input": "x" * 70_000}), 413, None),
            (json.dumps({"type": "response.create", "model": "nowhere/x", "input": "hi"}), 404, "model"),
            (
                json.dumps({"type": "response.create", "model": CHAT, "input": "hi", "background": True}),
                400,
                "background",
            ),
        ):
            await socket.send(bad)
            frame = json.loads(await socket.recv())
            assert frame["type"] == "error" and frame["status"] == status, frame
            assert frame["error"]["param"] == param and frame["error"]["message"]
        ok = await _turn(socket, model=CHAT, input="Reply with exactly still here.")
        assert _text(ok) == "still here"


async def test_another_keys_response_cannot_be_continued_on_a_socket(base: str) -> None:
    async with connect(_ws(base), additional_headers=AUTH) as socket:
        mine = await _turn(socket, model=NATIVE, input="Remember the code word lime.")
    async with connect(_ws(base), additional_headers={"authorization": "Bearer ws-other"}) as socket:
        theirs = await _turn(
            socket, model=NATIVE, input="What is the code word?", previous_response_id=mine[-1]["response"]["id"]
        )
        assert theirs[-1]["type"] == "error" and theirs[-1]["error"]["code"] == "previous_response_not_found"


async def test_a_continuation_refused_before_any_upstream_call_evicts_too(base: str) -> None:
    async with connect(_ws(base), additional_headers=AUTH) as socket:
        kept = await _turn(socket, model=CHAT, input="Remember the code word yew.", store=False)
        response_id = kept[-1]["response"]["id"]
        bad = await _turn(socket, model=CHAT, input="q", previous_response_id=response_id, tools=[{"type": "function"}])
        assert bad[-1]["type"] == "error" and bad[-1]["status"] == 400
        again = await _turn(socket, model=CHAT, input="What is the code word?", previous_response_id=response_id)
        assert again[-1]["error"]["code"] == "previous_response_not_found"


async def test_a_socket_outlives_the_header_timeout_idle_and_busy(quick_headers: str) -> None:
    async with connect(_ws(quick_headers), additional_headers=AUTH) as socket:
        await asyncio.sleep(2.5)  # idle for more than twice the header timeout
        first = await _turn(socket, model=CHAT, input="Reply with exactly awake.")
        assert _text(first) == "awake"
        await asyncio.sleep(1.5)
        second = await _turn(socket, model=NATIVE, input="Reply with exactly still awake.")
        assert _text(second) == "still awake"


async def test_a_binary_frame_is_an_error_frame_and_the_socket_stays_open(
    base: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with connect(_ws(base), additional_headers=AUTH) as socket:
        await socket.send(json.dumps({"type": "response.create", "model": CHAT, "input": "hi"}).encode())
        frame = json.loads(await socket.recv())
        assert frame["type"] == "error" and frame["status"] == 400, frame
        assert frame["error"]["type"] == "invalid_request_error"
        assert frame["error"]["code"] == "unsupported_frame_type" and "text" in frame["error"]["message"]
        ok = await _turn(socket, model=CHAT, input="Reply with exactly still here.")
        assert _text(ok) == "still here"
    assert "Traceback" not in caplog.text and "KeyError" not in caplog.text


@pytest.mark.parametrize("number", ["1e400", "-1e400"])
async def test_a_number_beyond_a_double_is_an_error_frame_naming_it(base: str, number: str) -> None:
    async with connect(_ws(base), additional_headers=AUTH) as socket:
        await socket.send(f'{{"type": "response.create", "model": "{CHAT}", "input": "hi", "temperature": {number}}}')
        frame = json.loads(await socket.recv())
        assert frame["type"] == "error" and frame["status"] == 400, frame
        assert frame["error"]["param"] == "temperature" and "finite" in frame["error"]["message"]
        ok = await _turn(socket, model=CHAT, input="Reply with exactly still here.")
        assert _text(ok) == "still here"


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (GatewayError(400, "bad"), 400, "invalid_request"),
        (GatewayError(400, "gone", code="previous_response_not_found"), 400, "previous_response_not_found"),
        (UpstreamError(502, "down"), 502, "upstream_error"),
        (GatewayError(501, "no", code="unsupported_response_operation"), 501, "unsupported_response_operation"),
        (RuntimeError("boom"), 500, "server_error"),
    ],
)
def test_every_error_frame_carries_a_code(exc: Exception, status: int, code: str) -> None:
    frame = error_frame(exc)
    assert (frame["type"], frame["status"], frame["error"]["code"]) == ("error", status, code)
