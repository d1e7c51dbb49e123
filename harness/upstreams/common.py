"""What every emulated protocol shares: ids, clocks, SSE framing, fault injection by model name."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(24)


def now() -> int:
    return int(time.time())


def sse_event(data: Any, event: str | None = None, sep: str = "\n") -> str:
    body = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}{sep}" if event else ""
    return f"{head}data: {body}{sep}{sep}"


class Fault(Exception):
    """Raised inside an emulator to answer with a provider-formatted error."""

    def __init__(
        self,
        status: int,
        message: str,
        kind: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.kind, self.param, self.code = status, message, kind, param, code


async def read_json(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise Fault(400, f"We could not parse the JSON body of your request: {exc}") from exc
    if not isinstance(body, dict):
        raise Fault(400, "The request body must be a JSON object.")
    return body


async def apply_fault(model: str) -> None:
    """`fail-500` -> 500, `hang` -> a long sleep. `fail-midstream` is handled by the stream writers."""
    if "fail-500" in model:
        raise Fault(500, "The scripted upstream was told to fail.", kind="server_error")
    if "hang" in model:
        await asyncio.sleep(30)


def stream_response(chunks: Iterable[str], model: str, *, media_type: str = "text/event-stream") -> StreamingResponse:
    """Stream pre-rendered SSE chunks; with `fail-midstream` in the model, stop half way: no terminal event."""
    items = list(chunks)
    if "fail-midstream" in model:
        items = items[: max(1, len(items) // 2)]

    async def gen() -> AsyncIterator[str]:
        for chunk in items:
            yield chunk

    return StreamingResponse(gen(), media_type=media_type, headers={"cache-control": "no-cache"})


def json_response(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status)


def answer(
    model: str, stream: bool, render_stream: Callable[[], Iterable[str]], render_json: Callable[[], Any]
) -> Response:
    """The reply as a stream or as JSON. A `fail-midstream` model has no middle to fail in a JSON answer: 500."""
    if stream:
        return stream_response(render_stream(), model)
    if "fail-midstream" in model:
        raise Fault(500, "The scripted upstream was told to fail.", kind="server_error")
    return json_response(render_json())
