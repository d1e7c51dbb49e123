"""Serving the gateway: uvicorn (httptools and uvloop where installed), with a limit uvicorn does not have on its
own, the time a client may take to send a request's headers. Without it, a client that trickles a header line now
and then holds a connection for ever."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    FAST: type[H11Protocol] | type[HttpToolsProtocol] = HttpToolsProtocol
except ImportError:  # httptools not installed: the pure-Python h11 parser
    FAST = H11Protocol


def header_timeout_protocol(seconds: float, base: type[Any] = FAST) -> type[Any]:
    """An HTTP/1.1 protocol that closes a connection whose request line and headers are not complete `seconds`
    after the connection opened or the request's first byte arrived (the keep-alive timeout covers idle time)."""

    class HeaderTimeoutProtocol(base):  # type: ignore[misc]
        _header_timer: asyncio.TimerHandle | None = None

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

        def _waiting_for_headers(self) -> bool:
            if isinstance(self, H11Protocol):
                import h11

                return bool(self.conn.their_state is h11.IDLE)
            # httptools: between requests `cycle` is None or complete; headers done once a new cycle exists.
            cycle = getattr(self, "cycle", None)
            return cycle is None or bool(cycle.response_complete)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol
