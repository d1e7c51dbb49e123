"""The emulators served in process for their tests: the whole app behind an httpx client, or one provider's routes
mounted alone behind Starlette's test client; and the city-weather parameters their tool tests declare."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.testclient import TestClient

from emulators import create_app

CITY: dict[str, Any] = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
OPENAI_BEARER = {"authorization": "Bearer sk-upstream-openai"}


@asynccontextmanager
async def emulator_client(headers: dict[str, str] | None = None, **app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the emulators' app (made with the options `app`), sending `headers` with every request."""
    transport = httpx.ASGITransport(app=create_app(**app))
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream", headers=headers) as http:
        yield http


@contextmanager
def mounted(routes: Sequence[BaseRoute]) -> Iterator[TestClient]:
    """A test client of one emulator's routes, mounted alone."""
    with TestClient(Starlette(routes=list(routes))) as client:
        yield client
