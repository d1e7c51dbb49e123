"""The header timeout the gateway's server adds to uvicorn: a client that trickles its headers is cut off."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
from uvicorn.protocols.http.h11_impl import H11Protocol

from harness.servers import serve_in_thread
from reference_gateway.app import create_app
from reference_gateway.config import parse
from reference_gateway.server import header_timeout_protocol

TIMEOUT = 0.5


@pytest.fixture(scope="module", params=["h11", "httptools"])
def address(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    if request.param == "h11":
        base: type = H11Protocol
    else:
        base = pytest.importorskip("uvicorn.protocols.http.httptools_impl").HttpToolsProtocol
    config = parse(
        {
            "keys": [{"name": "k", "key": "server-key"}],
            "storage": {"path": ":memory:"},
            "providers": {"openai": {"type": "openai_responses", "base_url": "http://127.0.0.1:9/v1"}},
        },
        env={},
    )
    with serve_in_thread(create_app(config), http=header_timeout_protocol(TIMEOUT, base)) as running:
        host, port = running.url.removeprefix("http://").split(":")
        yield host, int(port)


def _trickle_until_closed(sock: socket.socket, limit: float) -> float:
    """Send one header line every 0.1 s, never finishing the headers; the seconds until the server closed."""
    started = time.monotonic()
    sock.settimeout(0.1)
    n = 0
    while time.monotonic() - started < limit:
        try:
            sock.sendall(f"x-trickle-{n}: {n}\r\n".encode())
            n += 1
            if sock.recv(1024) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:  # reset: closed
            return time.monotonic() - started
    return limit


def test_headers_that_never_finish_are_cut_off(address: tuple[str, int]) -> None:
    with socket.create_connection(address) as sock:
        sock.sendall(b"POST /v1/responses HTTP/1.1\r\nhost: gw\r\n")
        assert _trickle_until_closed(sock, limit=5) < TIMEOUT + 1.0


def test_a_kept_alive_connection_is_cut_off_too_but_a_whole_request_is_answered(address: tuple[str, int]) -> None:
    with socket.create_connection(address) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nhost: gw\r\n\r\n")
        sock.settimeout(2)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /health HTTP/1.1\r\n")
        assert _trickle_until_closed(sock, limit=5) < TIMEOUT + 1.0


MALFORMED = {
    "raw-utf8-in-path": b"GET /v1/r\xc3\xa9sponses HTTP/1.1\r\nhost: gw\r\n\r\n",
    "nul-in-path": b"GET /v1/\x00x HTTP/1.1\r\nhost: gw\r\n\r\n",
    "space-in-path": b"GET /v1/a b HTTP/1.1\r\nhost: gw\r\n\r\n",
    "100kb-path": b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nhost: gw\r\n\r\n",
    "te-and-cl": (
        b"POST /v1/responses HTTP/1.1\r\nhost: gw\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
}


def _answer_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset after the answer counts as closed)."""
    sock.settimeout(5)
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_request_is_a_400_envelope_and_the_connection_is_closed(
    address: tuple[str, int], kind: str
) -> None:
    with socket.create_connection(address) as sock:
        sock.sendall(MALFORMED[kind])
        answer = _answer_until_closed(sock)  # returns only once the server has closed the connection
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    assert lines[0].startswith("HTTP/1.1 400"), answer[:300]
    assert headers["content-type"] == "application/json" and headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "invalid_http_request", error
    assert set(error) == {"type", "message", "param", "code"} and error["message"]
