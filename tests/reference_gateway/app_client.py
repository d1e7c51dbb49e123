"""The whole gateway app built from a config and served in process: the app and a client of it, the gateway closed
when the client is done."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from reference_gateway.app import create_app
from reference_gateway.config import parse


@asynccontextmanager
async def app_client(settings: dict[str, Any], keys: dict[str, str]) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """The app of a gateway with `settings`, the callers' `keys` (name: key) and storage in memory (the config
    parsed with no environment), and a client sending the first key as its bearer token."""
    config = {"keys": [{"name": name, "key": key} for name, key in keys.items()], "storage": {"path": ":memory:"}}
    app = create_app(parse({**config, **settings}, env={}))
    bearer = next(iter(keys.values()))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw", headers={"authorization": f"Bearer {bearer}"}
    ) as client:
        yield app, client
    await app.state.gateway.aclose()
