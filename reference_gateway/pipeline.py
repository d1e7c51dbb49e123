"""The one request pipeline every transport shares (JSON, SSE, websocket): a request is parsed once into a frozen
`Turn` (route, capability check, the history it names), then handed to its route's flow (native or chat,
reference_gateway/flows/), whose answer is recorded before it goes out. Routes only parse, call it, and wrap what it
returns as JSON, SSE or websocket frames.

Upstream faults are raised as `UpstreamError` (named after the route's provider) for the app's exception handler;
once a stream has started they end it in `response.failed` instead. Nothing failed or half-written is recorded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from reference_gateway import capabilities, state
from reference_gateway.errors import GatewayError, not_found
from reference_gateway.flows import record
from reference_gateway.gateway import Gateway, Route, valid_model_name
from reference_gateway.turn import Session, Turn

__all__ = ["Session", "Turn", "begin", "compact", "count_tokens", "events", "respond", "route_of"]
Event = dict[str, Any]


def route_of(gateway: Gateway, payload: dict[str, Any]) -> Route:
    model = payload.get("model")
    if not model or not isinstance(model, str):
        raise GatewayError(400, "Missing required parameter: 'model'.", param="model")
    found = gateway.route(model)
    if found is None:
        raise not_found(
            f"The model '{model}' does not exist or is not routed by this gateway.",
            param="model",
            code="model_not_found",
        )
    if not valid_model_name(found.settings.type, found.upstream_model):
        raise GatewayError(
            400,
            f"Invalid model name '{model}': a model name is letters, digits and . _ - (and : @ + / where the "
            "provider allows them), with no path, query or fragment.",
            param="model",
            code="invalid_model",
        )
    return found


async def begin(
    gateway: Gateway,
    owner: str,
    payload: dict[str, Any],
    *,
    session: Session | None = None,
    request_bytes: int | None = None,
) -> Turn:
    """Parse a Responses request into a Turn: route, capability check, then the history it names (read off the
    event loop: a stored chain may be long)."""
    route = route_of(gateway, payload)
    capabilities.check(route.settings, route.upstream_model, payload)
    turn = Turn.parse(owner, route, payload, session, request_bytes)
    if turn.previous is None and turn.conversation is None:
        return turn  # no history: nothing to read
    history = await run_in_threadpool(state.history, gateway.storage, turn, mode=route.flow.history)
    return dataclasses.replace(turn, history=history)


async def respond(gateway: Gateway, turn: Turn) -> dict[str, Any]:
    """A whole Response (not streamed), recorded before it is returned."""
    try:
        result = await turn.route.flow.respond(gateway, turn)
    except BaseException:
        record.evict(turn)
        raise
    result = record.as_client_sees(turn, result)
    await record.claim(gateway, turn, result)
    await record.record(gateway, turn, result)
    return result


async def events(gateway: Gateway, turn: Turn) -> AsyncIterator[Event]:
    """The Responses stream events, primed: an upstream fault before the first event raises here (an error
    envelope); after it, the stream ends in `response.failed`. The terminal event is always last."""
    try:
        return await turn.route.flow.events(gateway, turn)
    except BaseException:
        record.evict(turn)
        raise


async def count_tokens(gateway: Gateway, turn: Turn) -> dict[str, Any]:
    return await turn.route.flow.count_tokens(gateway, turn)


async def compact(gateway: Gateway, turn: Turn) -> dict[str, Any]:
    return await turn.route.flow.compact(gateway, turn)
