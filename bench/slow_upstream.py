"""A native Responses upstream that holds each stream open: `response.created` at once, `response.completed` only
after `--hold` seconds. The open-streams benchmark puts it behind the gateway to keep 1,000 streams open at once."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

HOLD = 10.0


def _response(status: str, model: str, output: list[dict[str, object]]) -> dict[str, object]:
    return {
        "id": "resp_" + secrets.token_hex(24),
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "model": model,
        "output": output,
    }


async def responses(request: Request) -> Response:
    body = await request.json()
    hold = float(request.app.state.hold)

    async def events() -> AsyncIterator[str]:
        snapshot = _response("in_progress", str(body.get("model")), [])
        yield f"data: {json.dumps({'type': 'response.created', 'sequence_number': 0, 'response': snapshot})}\n\n"
        await asyncio.sleep(hold)
        done = {**snapshot, "status": "completed"}
        yield f"data: {json.dumps({'type': 'response.completed', 'sequence_number': 1, 'response': done})}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hold", type=float, default=HOLD)
    args = parser.parse_args()
    app = Starlette(routes=[Route("/v1/responses", responses, methods=["POST"]), Route("/health", health)])
    app.state.hold = args.hold
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", backlog=4096)


if __name__ == "__main__":
    main()
