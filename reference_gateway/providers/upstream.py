"""The HTTP client every provider reaches its upstream with: one aiohttp connection pool per provider, the
gateway's connect and read timeouts, URLs sent exactly as built, and every transport fault mapped to UpstreamError
(a timeout -> 504, anything else that breaks the exchange -> 502).

aiohttp rather than httpx: on the gateway's hot path httpx's client cost about 1.1 ms of CPU per request and
aiohttp's about 0.2 ms (measured side by side against the emulators; see docs/performance.md)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from reference_gateway.providers.base import UpstreamError


@dataclass(frozen=True)
class Reply:
    """A whole upstream answer."""

    status: int
    headers: Mapping[str, str]  # case-insensitive
    body: bytes

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass(frozen=True)
class Streamed:
    """An upstream answer whose body is still arriving."""

    status: int
    headers: Mapping[str, str]
    _response: aiohttp.ClientResponse

    def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives, de-chunked and decompressed."""
        return self._response.content.iter_any()

    async def read(self) -> Reply:
        """The rest of the body, whole (for an error answer)."""
        return Reply(self.status, self.headers, await self._response.read())


def _encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class UpstreamClient:
    """One provider's connection pool. Its aiohttp session is made on first use in the running event loop (and
    again if the app is served from another loop, as tests do)."""

    def __init__(self, *, connect: float, read: float, max_connections: int) -> None:
        self.timeout = aiohttp.ClientTimeout(total=None, connect=connect, sock_read=read)
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # HTTP_PROXY / HTTPS_PROXY / NO_PROXY, read once. (Not aiohttp's trust_env: that also looks up ~/.netrc
        # for every request, in a worker thread, and would add its credentials to the upstream call.)
        self._proxies = urllib.request.getproxies_environment()
        self._proxy_of: dict[tuple[str, str], str | None] = {}

    def _current(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.max_connections, limit_per_host=0)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self.timeout)
            self._loop = loop
        return self._session

    def _proxy(self, url: URL) -> str | None:
        """The proxy the environment names for this URL's scheme and host, unless NO_PROXY exempts the host."""
        key = (url.scheme, url.host or "")
        if key not in self._proxy_of:
            proxy = self._proxies.get(url.scheme)
            if proxy and urllib.request.proxy_bypass(key[1]):
                proxy = None
            self._proxy_of[key] = proxy
        return self._proxy_of[key]

    def _send(self, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
        if body is not None:
            headers = {**headers, "content-type": "application/json"}
        data = None if body is None else _encode(body)
        target = URL(url, encoded=True)
        return self._current().request(method, target, data=data, headers=headers, proxy=self._proxy(target))

    async def request(self, method: str, url: str, *, json: Any = None, headers: dict[str, str]) -> Reply:
        """Send `json` (when given) and read the whole answer."""
        try:
            async with self._send(method, url, json, headers) as response:
                return Reply(response.status, response.headers, await response.read())
        except TimeoutError as exc:
            raise UpstreamError(504, f"upstream timed out: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamError(502, f"upstream unreachable: {type(exc).__name__}") from exc

    @asynccontextmanager
    async def stream(self, method: str, url: str, *, json: Any, headers: dict[str, str]) -> AsyncIterator[Streamed]:
        """Send `json` and hold the answer open while its body is read; a fault while reading it is mapped too."""
        try:
            async with self._send(method, url, json, headers) as response:
                yield Streamed(response.status, response.headers, response)
        except TimeoutError as exc:
            raise UpstreamError(504, f"upstream timed out: {type(exc).__name__}") from exc
        except aiohttp.ClientError as exc:
            raise UpstreamError(502, f"upstream stream broke: {type(exc).__name__}") from exc

    async def aclose(self) -> None:
        if self._session is not None and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None
