"""Serving the gateway: uvicorn (httptools and uvloop where installed), with what uvicorn does not do on its own:

- a limit on the time a client may take to send a request's headers (without it, a client that trickles a header
  line now and then holds a connection for ever). It covers a request's line and headers only: once they are in,
  or once the connection has become a websocket, the timer is gone (a websocket has no lifetime limit of its own);
- a request the HTTP parser refuses (raw bytes or a space in the path, a path over MAX_TARGET_BYTES,
  Transfer-Encoding with Content-Length ...), on h11 and httptools alike, is answered with a 400 OpenAI error
  envelope, not uvicorn's text/plain, and the connection is closed.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    FAST: type[H11Protocol] | type[HttpToolsProtocol] = HttpToolsProtocol
except ImportError:  # httptools not installed: the pure-Python h11 parser
    FAST = H11Protocol

MAX_TARGET_BYTES = 16 * 1024  # a request line's path and query: h11's own limit on a whole request head
INVALID_HTTP = {
    "error": {
        "type": "invalid_request_error",
        "message": "Invalid HTTP request: the request line or headers could not be parsed as HTTP/1.1.",
        "param": None,
        "code": "invalid_http_request",
    }
}


def invalid_http_answer() -> bytes:
    """The whole 400 answer to a request the parser refused: a JSON envelope, and the connection closed."""
    body = json.dumps(INVALID_HTTP).encode()
    head = (
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


class StrictH11Connection(h11.Connection):
    """h11, refusing what httptools (llhttp) refuses too: a request target over MAX_TARGET_BYTES (h11 takes any
    length that arrives in one read), and Transfer-Encoding together with Content-Length (a smuggling vector h11
    resolves instead of refusing). Refused as h11 refuses a malformed request: RemoteProtocolError."""

    def next_event(self) -> Any:
        event = super().next_event()
        if isinstance(event, h11.Request):
            if len(event.target) > MAX_TARGET_BYTES:
                raise h11.RemoteProtocolError("request target too long", 414)
            names = {name for name, _ in event.headers}
            if b"transfer-encoding" in names and b"content-length" in names:
                raise h11.RemoteProtocolError("Transfer-Encoding with Content-Length", 400)
        return event


def header_timeout_protocol(seconds: float, base: type[Any] = FAST) -> type[Any]:
    """An HTTP/1.1 protocol that closes a connection whose request line and headers are not complete `seconds`
    after the connection opened or the request's first byte arrived (the keep-alive timeout covers idle time),
    and answers a request its parser refuses with a 400 envelope."""

    class HeaderTimeoutProtocol(base):  # type: ignore[misc]
        _header_timer: asyncio.TimerHandle | None = None
        conn: h11.Connection  # on h11 only

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if isinstance(self, H11Protocol):
                self.conn = StrictH11Connection(h11.SERVER, self.conn._max_incomplete_event_size)

        def on_url(self, url: bytes) -> None:  # httptools: the target arrives in pieces
            super().on_url(url)
            if len(self.url) > MAX_TARGET_BYTES:
                raise ValueError("request target too long")  # the parser refuses the request: a 400

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(seconds, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            waiting = self._waiting_for_headers()
            if waiting:
                self._arm()  # the first bytes of a request on a kept-alive connection
            super().data_received(data)
            if not self._waiting_for_headers():
                self._disarm()

        def handle_websocket_upgrade(self, *args: Any) -> None:
            # The headers are in, and the transport now belongs to the websocket: the timer must not close it.
            self._disarm()
            super().handle_websocket_upgrade(*args)

        def send_400_response(self, msg: str) -> None:
            cycle = getattr(self, "cycle", None)
            if cycle is not None and cycle.response_started and not cycle.response_complete:
                self.transport.close()  # an answer is on the wire already: a 400 would be written into it
                return
            self.transport.write(invalid_http_answer())
            self.transport.close()

        def _waiting_for_headers(self) -> bool:
            if isinstance(self, H11Protocol):
                return bool(self.conn.their_state is h11.IDLE)
            # httptools: between requests `cycle` is None or complete; headers done once a new cycle exists.
            cycle = getattr(self, "cycle", None)
            return cycle is None or bool(cycle.response_complete)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol
