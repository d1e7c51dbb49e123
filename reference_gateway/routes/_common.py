"""What every endpoint needs: the parsed JSON body, the caller's key name, the gateway's parts."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from reference_gateway.config import Limits
from reference_gateway.errors import GatewayError, not_found
from reference_gateway.gateway import Gateway, Route, valid_model_name
from reference_gateway.providers.base import UpstreamError
from reference_gateway.validation import check_request, parse_json

log = logging.getLogger("reference_gateway")
INLINE_PARSE_BYTES = 256 * 1024
T = TypeVar("T")
DEFAULT_LIMITS = Limits()


async def read_body(request: Request) -> bytes:
    """The raw body, within the gateway's limits: a JSON content type (when one is named), at most
    `max_body_bytes` (413), received within `body_timeout` seconds (408)."""
    limit = limits(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise GatewayError(415, f"Unsupported content type {media!r}: send the body as application/json.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit.max_body_bytes:
        raise too_large(limit.max_body_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(limit.body_timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit.max_body_bytes:
                    raise too_large(limit.max_body_bytes)
                chunks.append(chunk)
    except TimeoutError as exc:
        raise GatewayError(408, f"The request body was not received within {limit.body_timeout:g}s.") from exc
    except ClientDisconnect as exc:
        log.info("client disconnected while sending %s %s", request.method, request.url.path)
        raise GatewayError(400, "The client disconnected before the request body was complete.") from exc
    return b"".join(chunks)


def too_large(limit: int) -> GatewayError:
    return GatewayError(413, f"The request body is larger than this gateway accepts ({limit} bytes).")


async def json_object(request: Request, *, empty: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body as a JSON object. Large bodies are parsed in a worker thread, so one big request does not stall
    every other client's; `empty` is what an absent body means (None: absence is an error)."""
    raw = await read_body(request)
    if empty is not None and not raw.strip():
        return dict(empty)
    depth = limits(request).max_json_depth
    if len(raw) > INLINE_PARSE_BYTES:
        body = await run_in_threadpool(parse_json, raw, max_depth=depth)
    else:
        body = parse_json(raw, max_depth=depth)
    if not isinstance(body, dict):
        raise GatewayError(400, "The request body must be a JSON object.")
    return body


async def json_body(request: Request) -> dict[str, Any]:
    """A Responses request body (create, input_tokens, compact), every field it names checked for its type."""
    return check_request(await json_object(request))


def limits(request: Request) -> Limits:
    """The gateway's limits (the defaults for an app mounted without a Gateway, as tests do)."""
    gw = getattr(request.app.state, "gateway", None)
    return gw.config.limits if isinstance(gw, Gateway) else DEFAULT_LIMITS


def owner(request: Request) -> str:
    return str(request.state.key_name)


def gateway(request: Request) -> Gateway:
    gw = request.app.state.gateway
    assert isinstance(gw, Gateway)
    return gw


def route_for(request: Request, payload: dict[str, Any]) -> Route:
    model = payload.get("model")
    if not model or not isinstance(model, str):
        raise GatewayError(400, "Missing required parameter: 'model'.", param="model")
    found = gateway(request).route(model)
    if found is None:
        raise not_found(
            f"The model '{model}' does not exist or is not routed by this gateway.",
            param="model",
            code="model_not_found",
        )
    if not valid_model_name(found.provider.settings.type, found.upstream_model):
        raise GatewayError(
            400,
            f"Invalid model name '{model}': a model name is letters, digits and . _ - (and : @ + / where the "
            "provider allows them), with no path, query or fragment.",
            param="model",
            code="invalid_model",
        )
    return found


async def within_deadline(request: Request, call: Awaitable[T]) -> T:
    """An upstream call bounded by the gateway's overall deadline: past it, a 504 (a drip of bytes that keeps
    every read timeout happy still ends)."""
    deadline = limits(request).upstream_deadline
    try:
        async with asyncio.timeout(deadline):
            return await call
    except TimeoutError as exc:
        raise UpstreamError(504, f"upstream did not finish within the gateway's deadline of {deadline:g}s") from exc


async def primed(request: Request, source: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """Pull the first item now (so upstream errors surface before a 200 is sent), then yield everything, the whole
    stream within the gateway's overall deadline (past it, UpstreamError 504 mid-stream)."""
    deadline = limits(request).upstream_deadline
    loop = asyncio.get_running_loop()
    ends = loop.time() + deadline
    iterator = aiter(source)

    async def pull() -> Any:
        try:
            async with asyncio.timeout_at(ends):
                return await anext(iterator)
        except TimeoutError as exc:
            raise UpstreamError(504, f"upstream did not finish within the gateway's deadline of {deadline:g}s") from exc

    try:
        first = await pull()
    except StopAsyncIteration as exc:
        raise UpstreamError(502, "upstream stream ended before its first event") from exc

    async def rest() -> AsyncIterator[Any]:
        yield first
        while True:
            try:
                item = await pull()
            except StopAsyncIteration:
                return
            yield item

    return rest()


def sse(event: dict[str, Any]) -> str:
    return f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"
