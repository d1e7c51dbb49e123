"""The Responses websocket transport on `/v1/responses` (Open Responses 2026-04-24, and the Agents SDK's
`responses_websocket_session`): each `response.create` frame runs the same pipeline as a POST and is answered
with the Responses stream events, one frame each; responses follow each other in order on one socket.

`store: false` responses are kept for the connection's lifetime (a `Session`), so they can be continued on it by
`previous_response_id`; after a reconnect their ids are `previous_response_not_found`, and a failed continuation
evicts the response it continued. Errors are `error` frames `{"type": "error", "status", "error": {...}}` and the
socket stays open: also for a binary frame (`unsupported_frame_type`) and for an unexpected error (a 500 envelope
and one log line). The key is checked on the upgrade (AuthMiddleware); frames are limited in size and the
connection in idle time, and nothing else limits its lifetime.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from reference_gateway import pipeline
from reference_gateway.errors import GatewayError, UpstreamError, envelope
from reference_gateway.routes._common import gateway, limits, owner
from reference_gateway.validation import check_request, parse_json

# HTTP-only fields: the spec says a frame must not carry them; the Agents SDK sends `stream: true` all the same.
HTTP_ONLY = ("stream", "stream_options")
BINARY_FRAME = GatewayError(
    400,
    "Binary frames are not supported: send each response.create as a text frame holding JSON.",
    code="unsupported_frame_type",
)
log = logging.getLogger("reference_gateway")


def error_frame(exc: BaseException) -> dict[str, Any]:
    """The `error` frame for any failure: the envelope HTTP would answer, its code always set."""
    err = envelope(exc)
    return {"type": "error", "status": err.status, "error": err.body()["error"]}


def _frame(raw: str, max_bytes: int, max_depth: int) -> dict[str, Any]:
    """A `response.create` frame, within the size and depth limits."""
    if len(raw.encode()) > max_bytes:
        raise GatewayError(413, f"The frame is larger than this gateway accepts ({max_bytes} bytes).")
    frame = parse_json(raw.encode(), max_depth=max_depth)
    if not isinstance(frame, dict) or frame.get("type") != "response.create":
        raise GatewayError(400, "Expected a JSON object with type 'response.create'.", param="type")
    return frame


def _payload(frame: dict[str, Any]) -> dict[str, Any]:
    if frame.get("background"):
        raise GatewayError(400, "'background' is not allowed over the websocket transport.", param="background")
    return check_request({k: v for k, v in frame.items() if k != "type" and k not in HTTP_ONLY})


async def _answer(websocket: WebSocket, session: pipeline.Session, raw: str) -> None:
    gw, limit = gateway(websocket), limits(websocket)
    frame = _frame(raw, limit.max_body_bytes, limit.max_json_depth)
    try:
        payload = _payload(frame)
        turn = await pipeline.begin(gw, owner(websocket), payload, session=session, request_bytes=len(raw))
        async for event in await pipeline.events(gw, turn):
            await websocket.send_text(json.dumps(event, separators=(",", ":")))
    except Exception:
        # A continuation that fails, for whatever reason, evicts the response it continued from this connection.
        previous = frame.get("previous_response_id")
        if isinstance(previous, str):
            session.responses.pop(previous, None)
        raise


async def _receive(websocket: WebSocket, idle: float) -> str | None:
    """The next text frame's text; None for a frame that is not text (a binary frame). Raises WebSocketDisconnect
    when the client has gone, TimeoutError when it sent nothing for `idle` seconds."""
    message = await asyncio.wait_for(websocket.receive(), idle)
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text = message.get("text")
    return text if isinstance(text, str) else None


async def _turn(websocket: WebSocket, session: pipeline.Session, raw: str) -> None:
    """Answer one frame; every error is an `error` frame, and the socket stays open."""
    try:
        await _answer(websocket, session, raw)
    except WebSocketDisconnect:
        raise  # the client has gone
    except Exception as exc:
        if not isinstance(exc, GatewayError | UpstreamError):
            # as over HTTP: one line (no traceback, no frame) and a 500 envelope
            log.error("unexpected %s on websocket %s: %s", type(exc).__name__, websocket.url.path, str(exc)[:200])
        await websocket.send_text(json.dumps(error_frame(exc)))


async def responses_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    session = pipeline.Session()
    idle = limits(websocket).body_timeout * 10
    try:
        while True:
            try:
                raw = await _receive(websocket, idle)
            except TimeoutError:
                await websocket.close(1000, "idle")
                return
            if raw is None:
                await websocket.send_text(json.dumps(error_frame(BINARY_FRAME)))
                continue
            await _turn(websocket, session, raw)
    except WebSocketDisconnect:
        return
    except RuntimeError:
        # a send on a socket the client has already closed
        return
