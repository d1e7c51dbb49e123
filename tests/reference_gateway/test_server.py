"""The header timeout the gateway's server adds to uvicorn: a client that trickles its headers is cut off."""

from __future__ import annotations

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
