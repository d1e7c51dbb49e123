"""The client the providers reach their upstreams with, against real loopback servers: what it sends, how it reads
a stream, and each transport fault as the UpstreamError the gateway answers with."""

from __future__ import annotations

import asyncio
import json
import socketserver
import threading
from collections.abc import AsyncIterator, Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from harness.servers import free_port, serve_in_thread
from reference_gateway.providers import sse
from reference_gateway.providers.base import UpstreamError
from reference_gateway.providers.upstream import UpstreamClient

SEEN: list[dict[str, object]] = []


async def _echo(request: Request) -> Response:
    SEEN.append(
        {
            "path": request.scope["raw_path"].decode(),
            "content-type": request.headers.get("content-type"),
            "body": (await request.body()).decode(),
        }
    )
    return JSONResponse({"ok": True}, headers={"retry-after": "7"})


async def _events(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        yield b'event: a\r\ndata: {"t":"one"}\r\n\r\n'
        yield b'data: {"t":"two \xe2\x80\xa8 three"}\n\n'

    return StreamingResponse(body(), media_type="text/event-stream")


async def _hang(request: Request) -> Response:
    await asyncio.sleep(30)
    return Response()


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    routes = [Route("/echo/{rest:path}", _echo, methods=["POST"]), Route("/events", _events, methods=["POST"])]
    with serve_in_thread(Starlette(routes=[*routes, Route("/hang", _hang, methods=["POST"])])) as running:
        yield running.url


class _CutChunked(socketserver.BaseRequestHandler):
    """Answers 200 with a chunked body and closes the connection in the middle of a chunk."""

    def handle(self) -> None:
        self.request.recv(65536)
        self.request.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            b'10\r\ndata: {"a":1}\n\n\r\n40\r\ndata: {"cut'
        )


@pytest.fixture(scope="module")
def cutting() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _CutChunked)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
async def client() -> AsyncIterator[UpstreamClient]:
    upstream = UpstreamClient(connect=2.0, read=0.5, max_connections=4)
    yield upstream
    await upstream.aclose()


async def test_the_url_is_sent_as_built_and_the_body_as_compact_json(upstream: str, client: UpstreamClient) -> None:
    SEEN.clear()
    reply = await client.request("POST", f"{upstream}/echo/a%2F..%2Fb:go", json={"é": [1, 2]}, headers={})
    assert reply.status == 200 and reply.json() == {"ok": True} and reply.headers["Retry-After"] == "7"
    assert SEEN == [{"path": "/echo/a%2F..%2Fb:go", "content-type": "application/json", "body": '{"é":[1,2]}'}]


async def test_a_stream_is_read_as_it_arrives_and_split_only_at_sse_line_ends(
    upstream: str, client: UpstreamClient
) -> None:
    async with client.stream("POST", f"{upstream}/events", json={}, headers={}) as response:
        got = [(name, json.loads(data)) async for name, data in sse.events(response.chunks())]
    assert got == [("a", {"t": "one"}), (None, {"t": "two \u2028 three"})]


async def test_a_read_timeout_is_a_504_and_a_refused_connection_a_502(upstream: str, client: UpstreamClient) -> None:
    with pytest.raises(UpstreamError) as hung:
        await client.request("POST", f"{upstream}/hang", json={}, headers={})
    assert hung.value.status == 504 and "timed out" in hung.value.message
    with pytest.raises(UpstreamError) as refused:
        await client.request("POST", f"http://127.0.0.1:{free_port()}/x", json={}, headers={})
    assert refused.value.status == 502 and "unreachable" in refused.value.message


async def test_a_body_cut_mid_chunk_breaks_the_stream_with_a_502(cutting: str, client: UpstreamClient) -> None:
    seen = []
    with pytest.raises(UpstreamError) as broke:
        async with client.stream("POST", f"{cutting}/s", json={}, headers={}) as response:
            async for _, data in sse.events(response.chunks()):
                seen.append(data)
    assert broke.value.status == 502 and "stream broke" in broke.value.message
    assert seen == ['{"a":1}']


def test_one_client_serves_an_app_run_from_more_than_one_event_loop(upstream: str) -> None:
    client = UpstreamClient(connect=2.0, read=2.0, max_connections=4)

    async def ask() -> int:
        return (await client.request("POST", f"{upstream}/echo/x", json={}, headers={})).status

    assert asyncio.run(ask()) == 200
    assert asyncio.run(ask()) == 200  # the first loop's session is gone with it; a new one is made


@pytest.mark.parametrize("cut", range(1, 40))
async def test_lines_do_not_depend_on_where_the_bytes_are_cut(cut: int) -> None:
    raw = "a: 1\r\nb: é\u2028x\rc\n\r\nd".encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), cut):
            yield raw[start : start + cut]

    assert [line async for line in sse.lines(chunks())] == ["a: 1", "b: é\u2028x", "c", "", "d"]


async def test_the_environment_s_proxy_is_used_unless_no_proxy_exempts_the_host(
    upstream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def forward(request: Request) -> Response:  # a forward proxy gets the request in absolute form
        seen.append(f"{request.headers['host']} {request.url.path}")
        return JSONResponse({"via": "proxy"})

    proxy = Starlette(routes=[Route("/{rest:path}", forward, methods=["POST"])])
    with serve_in_thread(proxy) as running:
        monkeypatch.setenv("HTTP_PROXY", running.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        via = UpstreamClient(connect=2.0, read=2.0, max_connections=4)
        reply = await via.request("POST", "http://upstream.invalid:8080/echo/x", json={}, headers={})
        await via.aclose()
        assert reply.json() == {"via": "proxy"} and seen == ["upstream.invalid:8080 /echo/x"]
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        direct = UpstreamClient(connect=2.0, read=2.0, max_connections=4)
        reply = await direct.request("POST", f"{upstream}/echo/x", json={}, headers={})
        await direct.aclose()
        assert reply.json() == {"ok": True} and len(seen) == 1
