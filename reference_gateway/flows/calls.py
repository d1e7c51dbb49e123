"""Upstream calls as both flows make them: on behalf of the caller, named after the route's provider, within the
gateway's overall deadline, a stream primed so that a fault before its first event is still an error answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from reference_gateway.providers.base import UpstreamError
from reference_gateway.providers.upstream import on_behalf_of

if TYPE_CHECKING:
    from reference_gateway.gateway import Gateway
    from reference_gateway.turn import Turn

log = logging.getLogger("reference_gateway")
T = TypeVar("T")


@contextmanager
def named(turn: Turn) -> Iterator[None]:
    """Name the caller for the upstream client (each key has its share of a provider's pool), and the provider in
    any upstream fault, so the envelope can say whose it was."""
    try:
        with on_behalf_of(turn.owner):
            yield
    except UpstreamError as exc:
        exc.provider = exc.provider or turn.route.name
        raise


def _late(deadline: float) -> UpstreamError:
    return UpstreamError(504, f"upstream did not finish within the gateway's deadline of {deadline:g}s")


async def within_deadline(gateway: Gateway, call: Awaitable[T]) -> T:
    """An upstream call bounded by the overall deadline: a drip that keeps every read timeout happy still ends."""
    deadline = gateway.config.limits.upstream_deadline
    try:
        async with asyncio.timeout(deadline):
            return await call
    except TimeoutError as exc:
        raise _late(deadline) from exc


async def primed(gateway: Gateway, source: AsyncIterator[T]) -> AsyncIterator[T]:
    """Pull the first item now (so upstream errors surface before anything is sent), then yield the rest, the
    whole stream within the overall deadline (past it: UpstreamError 504, mid-stream)."""
    deadline = gateway.config.limits.upstream_deadline
    ends = asyncio.get_running_loop().time() + deadline
    iterator = aiter(source)

    async def pull() -> T:
        try:
            async with asyncio.timeout_at(ends):
                return await anext(iterator)
        except TimeoutError as exc:
            raise _late(deadline) from exc

    try:
        first = await pull()
    except StopAsyncIteration as exc:
        raise UpstreamError(502, "upstream stream ended before its first event") from exc

    async def rest() -> AsyncIterator[T]:
        yield first
        while True:
            try:
                item = await pull()
            except StopAsyncIteration:
                return
            yield item

    return rest()


def failed_code(fault: UpstreamError) -> str:
    """A failed response's `error.code`: one of the codes OpenAI's ResponseError allows."""
    return "rate_limit_exceeded" if fault.status == 429 else "server_error"


def stream_fault(turn: Turn, exc: Exception) -> UpstreamError:
    """Whatever broke a stream after it started: an UpstreamError is the upstream's fault; anything else is logged
    as the gateway's own, in one line."""
    if isinstance(exc, UpstreamError):
        return exc
    log.error("stream broke on route %s: %s: %s", turn.route.name, type(exc).__name__, str(exc)[:200])
    return UpstreamError(502, "the stream from the upstream could not be translated")
