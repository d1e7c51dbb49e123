"""One server for every emulated protocol: the paths of OpenAI, Anthropic and Gemini do not collide."""

from __future__ import annotations

import importlib

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from emulators import journal as request_journal
from emulators import openai_chat, openai_conversations, openai_responses
from emulators.access import Access, Overrides
from emulators.brain import SCRIPTED, Brain
from emulators.errors import Fault, error_body, protocol_of
from emulators.gate import Gate


async def fault_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Fault)
    body = error_body(protocol_of(request.url.path), exc.status, exc.message, exc.kind, exc.param, exc.code)
    return JSONResponse(body, status_code=exc.status, headers=exc.headers)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods answer in the provider's error format too, not Starlette's plain text."""
    assert isinstance(exc, HTTPException)
    message = f"Invalid URL ({request.method} {request.url.path})" if exc.status_code == 404 else str(exc.detail)
    body = error_body(protocol_of(request.url.path), exc.status_code, message, "invalid_request_error", None)
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def crash_handler(request: Request, exc: Exception) -> Response:
    """A bug in an emulator still answers as the provider would (a 500 in its error format), so that a gateway
    under test sees an upstream fault rather than a broken socket."""
    body = error_body(protocol_of(request.url.path), 500, f"The emulator failed: {exc!r}", "server_error", None)
    return JSONResponse(body, status_code=500)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _optional_routes(module: str) -> list[BaseRoute]:
    try:
        mod = importlib.import_module(f"emulators.{module}")
    except ImportError:
        return []
    return list(mod.routes())


def create_app(
    keys: Overrides | None = None,
    models: Overrides | None = None,
    *,
    access: Access | None = None,
    journal_limit: int = request_journal.LIMIT,
    brain: Brain | None = None,
) -> Starlette:
    """A fresh server: its own store of responses and request journal, every protocol's routes, each protocol's
    keys and model catalogue checked (access.py: `keys` / `models` replace a protocol's defaults, or pass a whole
    `access`), answered by `brain` (the scripted model unless given). `app.state.journal` is the journal
    `GET /_journal` serves."""
    access = access or Access.build(keys, models)
    journal = request_journal.Journal(journal_limit)
    routes: list[BaseRoute] = [Route("/health", health), *request_journal.routes(journal)]
    store = openai_responses.Store()
    routes += openai_responses.routes(store, access.models["openai"]) + openai_conversations.routes(store.conversations)
    routes += openai_chat.routes()
    routes += _optional_routes("anthropic") + _optional_routes("gemini")
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Gate, access=access, journal=journal)],
        exception_handlers={Fault: fault_handler, HTTPException: http_error_handler, Exception: crash_handler},
    )
    app.state.journal = journal
    app.state.access = access
    app.state.brain = brain or SCRIPTED  # what answers (emulators/brain.py): the scripted model unless told
    return app
