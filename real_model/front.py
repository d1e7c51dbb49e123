"""The real upstream as a gateway sees it: OpenAI Chat Completions answered by the real model (server.mjs), behind
the same gate and journal as the emulated upstreams.

Every request is journaled (emulators/journal.py, `GET /_journal`) and checked as the emulated OpenAI Chat
Completions checks it (the key, the model, then the body: emulators/openai_chat.check), so a gateway is held to the
same strictness with a real model behind it. What passes is forwarded to the model's server, and its answer relayed
as it comes (JSON, or SSE chunk by chunk). The journal entry also keeps what the model answered (`reply`: its text,
the functions it called, the finish reason), because that answer cannot be recomputed from the request as the
scripted model's can: harness/derive reads it to tell what the model chose from what the gateway did.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from emulators import journal as request_journal
from emulators import openai_chat
from emulators.access import Access
from emulators.app import crash_handler, fault_handler, health, http_error_handler
from emulators.common import read_json
from emulators.errors import Fault
from emulators.gate import ENTRY, Gate

MODEL = "smollm2-135m-instruct"
KEY = "sk-upstream-real"  # the key a gateway in front sends (peers' configs, the reference gateway's preset)
WORKER_KEY = "sk-real-model-worker"  # between this front and server.mjs only
TIMEOUT = httpx.Timeout(120.0, connect=5.0)


def _reply_of_json(body: Any) -> dict[str, Any]:
    message = (body.get("choices") or [{}])[0] if isinstance(body, dict) else {}
    calls = (message.get("message") or {}).get("tool_calls") or []
    return {
        "text": (message.get("message") or {}).get("content"),
        "function_calls": [c["function"]["name"] for c in calls],
        "finish_reason": message.get("finish_reason"),
    }


class _StreamedReply:
    """What a chunk stream said, gathered as it passes: the text, the functions called, the finish reason."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: list[str] = []
        self.finish: str | None = None
        self.pending = b""

    def feed(self, data: bytes) -> None:
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        for line in lines:
            if not line.startswith(b"data: ") or line == b"data: [DONE]":
                continue
            for choice in json.loads(line[6:]).get("choices") or []:
                delta = choice.get("delta") or {}
                self.text.append(delta.get("content") or "")
                self.calls += [c["function"]["name"] for c in delta.get("tool_calls") or [] if "id" in c]
                self.finish = choice.get("finish_reason") or self.finish

    def reply(self) -> dict[str, Any]:
        text = "".join(self.text)
        return {"text": None if self.calls and not text else text, "function_calls": self.calls,
                "finish_reason": self.finish}  # fmt: skip


def routes(worker: httpx.AsyncClient) -> list[BaseRoute]:
    async def create(request: Request) -> Response:
        body = await read_json(request)
        openai_chat.check(body)
        entry: dict[str, Any] = request.scope["state"][ENTRY]
        upstream = worker.build_request("POST", "/v1/chat/completions", json=body)
        answer = await worker.send(upstream, stream=True)
        if answer.status_code != 200 or not body.get("stream"):
            content = await answer.aread()
            await answer.aclose()
            if answer.status_code == 200:
                entry["reply"] = _reply_of_json(json.loads(content))
            media = answer.headers.get("content-type", "application/json")
            return Response(content, status_code=answer.status_code, media_type=media)
        gathered = _StreamedReply()

        async def relay() -> AsyncIterator[bytes]:
            async for data in answer.aiter_raw():
                gathered.feed(data)
                yield data
            entry["reply"] = gathered.reply()

        return StreamingResponse(
            relay(), media_type="text/event-stream; charset=utf-8", background=BackgroundTask(answer.aclose)
        )

    return [Route("/v1/chat/completions", create, methods=["POST"])]


def create_app(
    worker_url: str, *, model: str = MODEL, key: str = KEY, transport: httpx.AsyncBaseTransport | None = None
) -> Starlette:
    """The front of a running server.mjs at `worker_url` (or of whatever `transport` serves there): one protocol
    (openai), one model, one key."""
    access = Access.build(keys={"openai": [key]}, models={"openai": [model]})
    journal = request_journal.Journal()
    auth = {"authorization": f"Bearer {WORKER_KEY}"}
    worker = httpx.AsyncClient(base_url=worker_url, timeout=TIMEOUT, headers=auth, transport=transport)

    async def models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": model, "object": "model", "created": 0,
                                                          "owned_by": "gateway-conformance"}]})  # fmt: skip

    app = Starlette(
        routes=[
            Route("/health", health),
            *request_journal.routes(journal),
            Route("/v1/models", models),
            *routes(worker),
        ],
        middleware=[Middleware(Gate, access=access, journal=journal)],
        exception_handlers={Fault: fault_handler, HTTPException: http_error_handler, Exception: crash_handler},
    )
    app.state.journal = journal
    return app
