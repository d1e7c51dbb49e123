"""Upstream HTTP calls with faults mapped to UpstreamError: connect -> 502, timeout -> 504, 5xx -> 502."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from reference_gateway.providers.base import UpstreamError, raise_for_upstream


async def post_json(client: httpx.AsyncClient, url: str, body: Any, headers: dict[str, str]) -> Any:
    try:
        response = await client.post(url, json=body, headers=headers)
    except httpx.TimeoutException as exc:
        raise UpstreamError(504, f"upstream timed out: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        raise UpstreamError(502, f"upstream unreachable: {type(exc).__name__}") from exc
    raise_for_upstream(response)
    try:
        return response.json()
    except ValueError as exc:
        raise UpstreamError(502, "upstream answered with a body that is not JSON") from exc


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, method: str, url: str, body: Any, headers: dict[str, str]
) -> AsyncIterator[httpx.Response]:
    """An upstream streaming response whose status has been checked (errors read and raised before yielding)."""
    try:
        async with client.stream(method, url, json=body, headers=headers) as response:
            if response.status_code >= 400:
                await response.aread()
                raise_for_upstream(response)
            yield response
    except httpx.TimeoutException as exc:
        raise UpstreamError(504, f"upstream timed out: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        raise UpstreamError(502, f"upstream stream broke: {type(exc).__name__}") from exc
