"""`POST /v1/responses` (JSON and SSE), `/v1/responses/input_tokens`, `/v1/responses/compact`, websocket refusal."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from reference_gateway import capabilities, state
from reference_gateway.errors import GatewayError, error_response, upstream_error
from reference_gateway.gateway import Route as ModelRoute
from reference_gateway.providers.base import UnsupportedOperation, UpstreamError
from reference_gateway.routes._common import gateway, json_body, owner, primed, route_for, sse, within_deadline
from reference_gateway.translate.request import compaction_token, normalize_input, responses_to_chat
from reference_gateway.translate.response import chat_to_response, new_id
from reference_gateway.translate.stream import ResponsesStream

SUMMARY_PROMPT = "Summarize the conversation so far, keeping every fact needed to continue."
log = logging.getLogger("reference_gateway")
TERMINAL = ("response.completed", "response.failed", "response.incomplete")
# OpenAI's SDKs stop at it and Open Responses requires it; it follows the terminal event and changes nothing else.
DONE = "data: [DONE]\n\n"


async def _expanded(request: Request, route: ModelRoute, payload: dict[str, Any]) -> list[dict[str, Any]]:
    capabilities.check(route.provider.settings, route.upstream_model, payload)
    mode = "forward" if route.native else "replay"
    # SQLite reads (a whole stored chain, perhaps) run in a worker thread, off the event loop.
    return await run_in_threadpool(state.expand_input, gateway(request).storage, owner(request), payload, mode=mode)


async def create(request: Request) -> Response:
    payload = await json_body(request)
    route = route_for(request, payload)
    items = await _expanded(request, route, payload)
    try:
        if route.native:
            return await _native(request, route, payload, items)
        return await _translated(request, route, payload, items)
    except UpstreamError as exc:
        return error_response(upstream_error(exc, route.provider.settings.name))


def _claim(request: Request, route: ModelRoute, response: dict[str, Any]) -> None:
    if isinstance(response.get("id"), str):
        gateway(request).storage.claim(owner(request), response["id"], route.provider.settings.name)


async def _keep(request: Request, payload: dict[str, Any], response: dict[str, Any]) -> None:
    storage, key = gateway(request).storage, owner(request)
    await run_in_threadpool(state.record, storage, key, payload, normalize_input(payload), response)


def _as_client_sees(payload: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    response["model"] = payload["model"]
    if state.conversation_id(payload):
        response["conversation"] = {"id": state.conversation_id(payload)}
    return response


# native ----------------------------------------------------------------------------------------------------------
def _native_payload(route: ModelRoute, payload: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    upstream = {**payload, "model": route.upstream_model}
    if state.conversation_id(payload):
        # The conversation is the gateway's own resource: its items are already in `items`.
        upstream.pop("conversation")
        upstream["input"] = items
    return upstream


async def _native(
    request: Request, route: ModelRoute, payload: dict[str, Any], items: list[dict[str, Any]]
) -> Response:
    upstream = _native_payload(route, payload, items)
    if not payload.get("stream"):
        result = _as_client_sees(payload, await within_deadline(request, route.provider.post("/responses", upstream)))
        _claim(request, route, result)
        await _keep(request, payload, result)
        return JSONResponse(result)
    events = await primed(request, route.provider.stream(upstream))
    return _sse_response(_native_events(request, route, payload, events))


async def _native_events(
    request: Request,
    route: ModelRoute,
    payload: dict[str, Any],
    events: AsyncIterator[tuple[str | None, dict[str, Any]]],
) -> AsyncIterator[str]:
    last_seq = -1
    snapshot: dict[str, Any] = {}
    try:
        async for _, event in events:
            if isinstance(event.get("response"), dict):
                if not snapshot:
                    _claim(request, route, event["response"])
                snapshot = _as_client_sees(payload, event["response"])
            last_seq = int(event.get("sequence_number", last_seq + 1))
            yield sse(event)
            if event.get("type") in TERMINAL:
                if event["type"] == "response.completed":
                    await _keep(request, payload, event["response"])
                yield DONE
                return
        raise UpstreamError(502, "upstream stream ended without a terminal event")
    except Exception as exc:
        fault = _stream_fault(request, exc)
        failed = {**snapshot, "status": "failed", "error": {"code": "upstream_error", "message": fault.message}}
        yield sse({"type": "response.failed", "response": failed, "sequence_number": last_seq + 1})
        yield DONE


# chat-translated -------------------------------------------------------------------------------------------------
async def _translated(
    request: Request, route: ModelRoute, payload: dict[str, Any], items: list[dict[str, Any]]
) -> Response:
    stream = bool(payload.get("stream"))
    chat = responses_to_chat(payload, items, model=route.upstream_model, stream=stream)
    if not stream:
        completion = await within_deadline(request, route.provider.complete(chat))
        result = _as_client_sees(payload, chat_to_response(completion, request=payload))
        _claim(request, route, result)
        await _keep(request, payload, result)
        return JSONResponse(result)
    chunks = await primed(request, route.provider.stream(chat))
    return _sse_response(_translated_events(request, route, payload, chunks))


async def _translated_events(
    request: Request, route: ModelRoute, payload: dict[str, Any], chunks: AsyncIterator[dict[str, Any]]
) -> AsyncIterator[str]:
    builder = ResponsesStream(request=payload)
    for event in builder.start():
        if event.get("type") == "response.created":
            _claim(request, route, event["response"])
        yield sse(event)
    try:
        async for chunk in chunks:
            for event in builder.feed(chunk):
                yield sse(event)
        events = builder.finish()
    except Exception as exc:
        events = builder.fail(_stream_fault(request, exc).message, "upstream_error")
    for event in events:
        yield sse(event)
    if builder.final is not None:
        await _keep(request, payload, _as_client_sees(payload, builder.final))
    yield DONE


def _stream_fault(request: Request, exc: Exception) -> UpstreamError:
    """Whatever broke a stream after its 200 was sent: it ends in `response.failed` either way. An UpstreamError
    is the upstream's fault; anything else is logged as the gateway's own, in one line."""
    if isinstance(exc, UpstreamError):
        return exc
    log.error("stream broke on %s: %s: %s", request.url.path, type(exc).__name__, str(exc)[:200])
    return UpstreamError(502, "the stream from the upstream could not be translated")


def _sse_response(body: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(body, media_type="text/event-stream", headers={"cache-control": "no-cache"})


# input_tokens and compact ----------------------------------------------------------------------------------------
async def input_tokens(request: Request) -> Response:
    payload = await json_body(request)
    route = route_for(request, payload)
    items = await _expanded(request, route, payload)
    try:
        if route.native:
            return JSONResponse(
                await within_deadline(
                    request, route.provider.post("/responses/input_tokens", _native_payload(route, payload, items))
                )
            )
        capabilities.check_operation(route.provider.settings, route.upstream_model, "input_tokens")
        chat = responses_to_chat(payload, items, model=route.upstream_model, stream=False)
        count = await within_deadline(request, route.provider.count_tokens(chat))
    except UnsupportedOperation as exc:
        raise GatewayError(501, str(exc), code="unsupported_response_operation") from exc
    except UpstreamError as exc:
        return error_response(upstream_error(exc, route.provider.settings.name))
    return JSONResponse({"object": "response.input_tokens", "input_tokens": count})


async def compact(request: Request) -> Response:
    payload = await json_body(request)
    route = route_for(request, payload)
    items = await _expanded(request, route, payload)
    try:
        if route.native:
            result = await within_deadline(
                request, route.provider.post("/responses/compact", _native_payload(route, payload, items))
            )
            return JSONResponse(result)
        capabilities.check_operation(route.provider.settings, route.upstream_model, "compact")
        ask = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": SUMMARY_PROMPT}]}
        chat = responses_to_chat(
            {**payload, "tools": None, "text": None}, [*items, ask], model=route.upstream_model, stream=False
        )
        completion = await within_deadline(request, route.provider.complete(chat))
    except UpstreamError as exc:
        return error_response(upstream_error(exc, route.provider.settings.name))
    summary = chat_to_response(completion, request=payload)
    text = "".join(
        part.get("text", "") for item in summary["output"] if item["type"] == "message" for part in item["content"]
    )
    kept = state.with_ids([item for item in items if item.get("type") == "message" and item.get("role") == "user"])
    output = [*kept, {"id": new_id("cmp_"), "type": "compaction", "encrypted_content": compaction_token(text)}]
    return JSONResponse(
        {
            "id": new_id("resp_"),
            "object": "response.compaction",
            "created_at": int(time.time()),
            "output": output,
            "usage": summary["usage"],
        }
    )


async def websocket_refused(websocket: WebSocket) -> None:
    err = GatewayError(
        501,
        "The Responses websocket transport is not implemented by this gateway; use HTTP with SSE (stream: true).",
        code="unsupported_transport",
    )
    await websocket.send_denial_response(error_response(err))


ROUTES: list[BaseRoute] = [
    Route("/v1/responses", create, methods=["POST"]),
    Route("/v1/responses/input_tokens", input_tokens, methods=["POST"]),
    Route("/v1/responses/compact", compact, methods=["POST"]),
    WebSocketRoute("/v1/responses", websocket_refused),
]
