"""`POST /v1/responses` (JSON or SSE), `/v1/responses/input_tokens`, `/v1/responses/compact`, and the Responses
websocket transport on `/v1/responses`: each parses, calls the pipeline, and wraps what it returns."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute

from reference_gateway import pipeline
from reference_gateway.routes._common import gateway, json_body, owner
from reference_gateway.routes.websocket import responses_socket

# OpenAI's SDKs stop at it and Open Responses requires it; it follows the terminal event and changes nothing else.
DONE = "data: [DONE]\n\n"


def sse(event: dict[str, Any]) -> str:
    return f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n"


async def _sse(events: AsyncIterator[dict[str, Any]]) -> AsyncIterator[str]:
    async for event in events:
        yield sse(event)
    yield DONE


async def _turn(request: Request) -> pipeline.Turn:
    payload = await json_body(request)
    return await pipeline.begin(gateway(request), owner(request), payload, request_bytes=request.state.body_bytes)


async def create(request: Request) -> Response:
    turn = await _turn(request)
    if not turn.stream:
        return JSONResponse(await pipeline.respond(gateway(request), turn))
    events = await pipeline.events(gateway(request), turn)
    return StreamingResponse(_sse(events), media_type="text/event-stream", headers={"cache-control": "no-cache"})


async def input_tokens(request: Request) -> Response:
    return JSONResponse(await pipeline.count_tokens(gateway(request), await _turn(request)))


async def compact(request: Request) -> Response:
    return JSONResponse(await pipeline.compact(gateway(request), await _turn(request)))


ROUTES: list[BaseRoute] = [
    Route("/v1/responses", create, methods=["POST"]),
    Route("/v1/responses/input_tokens", input_tokens, methods=["POST"]),
    Route("/v1/responses/compact", compact, methods=["POST"]),
    WebSocketRoute("/v1/responses", responses_socket),
]
