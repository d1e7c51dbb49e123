"""What every endpoint needs: the parsed JSON body, the caller's key name, the gateway's parts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request

from reference_gateway.errors import GatewayError, not_found
from reference_gateway.gateway import Gateway, Route, valid_model_name
from reference_gateway.providers.base import UpstreamError


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise GatewayError(400, f"We could not parse the JSON body of your request: {exc}") from exc
    if not isinstance(body, dict):
        raise GatewayError(400, "The request body must be a JSON object.")
    return body


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


async def primed(source: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """Pull the first item now (so upstream errors surface before a 200 is sent), then yield everything."""
    iterator = aiter(source)
    try:
        first = await anext(iterator)
    except StopAsyncIteration as exc:
        raise UpstreamError(502, "upstream stream ended before its first event") from exc

    async def rest() -> AsyncIterator[Any]:
        yield first
        async for item in iterator:
            yield item

    return rest()


def sse(event: dict[str, Any]) -> str:
    return f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"
