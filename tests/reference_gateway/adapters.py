"""What the Anthropic and Gemini adapter tests share: an adapter on a fresh upstream client, and the UpstreamError
a request ends in, asked plainly and streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest

from reference_gateway.providers.base import ChatProvider, UpstreamError
from reference_gateway.providers.upstream import UpstreamClient

A = TypeVar("A")


@asynccontextmanager
async def on_client(
    make: Callable[[UpstreamClient], A], *, connect: float = 5.0, read: float = 0.5
) -> AsyncIterator[A]:
    """The adapter `make` builds on a new upstream client, the client closed after."""
    client = UpstreamClient(connect=connect, read=read, max_connections=10)
    try:
        yield make(client)
    finally:
        await client.aclose()


async def upstream_errors(adapter: ChatProvider, chat: dict[str, Any]) -> tuple[UpstreamError, UpstreamError]:
    """The UpstreamError `chat` ends in: asked plainly, then streamed."""
    with pytest.raises(UpstreamError) as plain:
        await adapter.complete(chat)
    with pytest.raises(UpstreamError) as streamed:
        async for _ in adapter.stream(chat):
            pass
    return plain.value, streamed.value
