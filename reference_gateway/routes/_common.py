"""What every endpoint needs: the parsed JSON body, the caller's key name, the gateway's parts."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, HTTPConnection, Request

from reference_gateway.config import Limits
from reference_gateway.errors import GatewayError
from reference_gateway.gateway import Gateway
from reference_gateway.validation import check_request, parse_json

log = logging.getLogger("reference_gateway")
INLINE_PARSE_BYTES = 256 * 1024
DRAIN_BYTES = 64 * 1024 * 1024  # how much of an oversized body is read (and dropped) so the client sees the 413
DEFAULT_LIMITS = Limits()


async def read_body(request: Request) -> bytes:
    """The raw body, within the gateway's limits: a JSON content type (when one is named), at most
    `max_body_bytes` (413), received within `body_timeout` seconds (408)."""
    limit = limits(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        raise GatewayError(415, f"Unsupported content type {media!r}: send the body as application/json.")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(limit.body_timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size <= limit.max_body_bytes:
                    chunks.append(chunk)
                elif size > limit.max_body_bytes + DRAIN_BYTES:
                    break  # past what is worth draining: the 413 goes out and the connection is closed
                # Over the limit, the rest is read and dropped: a client still sending would otherwise meet a
                # reset connection instead of the 413, and nothing of it is kept.
        if size > limit.max_body_bytes:
            raise too_large(limit.max_body_bytes)
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
    request.state.body_bytes = len(raw)
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


def limits(request: HTTPConnection) -> Limits:
    """The gateway's limits (the defaults for an app mounted without a Gateway, as tests do)."""
    gw = getattr(request.app.state, "gateway", None)
    return gw.config.limits if isinstance(gw, Gateway) else DEFAULT_LIMITS


def owner(request: HTTPConnection) -> str:
    return str(request.state.key_name)


def gateway(request: HTTPConnection) -> Gateway:
    gw = request.app.state.gateway
    assert isinstance(gw, Gateway)
    return gw
