"""One server for every emulated protocol: the paths of OpenAI, Anthropic and Gemini do not collide."""

from __future__ import annotations

import importlib
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from harness.upstreams import openai_chat, openai_responses
from harness.upstreams.common import Fault

_STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 500: "INTERNAL"}
_ANTHROPIC_TYPES = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error"}


def protocol_of(path: str) -> str:
    if path.startswith("/v1beta/"):
        return "gemini"
    if path.startswith("/v1/messages"):
        return "anthropic"
    return "openai"


def error_body(
    protocol: str, status: int, message: str, kind: str, param: str | None, code: str | None = None
) -> dict[str, Any]:
    """The error format each provider really uses."""
    if protocol == "anthropic":
        kind = _ANTHROPIC_TYPES.get(status, "api_error") if status >= 401 or kind.endswith("_error") else kind
        return {"type": "error", "error": {"type": kind, "message": message}}
    if protocol == "gemini":
        return {"error": {"code": status, "message": message, "status": _STATUS_NAMES.get(status, "UNKNOWN")}}
    code = code or {401: "invalid_api_key"}.get(status)
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _credential(protocol: str, request: Request) -> str:
    headers = request.headers
    if protocol == "anthropic":
        return headers.get("x-api-key", "")
    if protocol == "gemini":
        return headers.get("x-goog-api-key", "") or request.query_params.get("key", "")
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


class CredentialMiddleware:
    """Every provider wants its own credential; answer 401 in its own format without one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/health":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        protocol = protocol_of(scope["path"])
        if not _credential(protocol, request):
            body = error_body(protocol, 401, "Missing or invalid API key.", "authentication_error", None)
            await JSONResponse(body, status_code=401)(scope, receive, send)
            return
        if protocol == "anthropic" and not request.headers.get("anthropic-version"):
            body = error_body(protocol, 400, "anthropic-version: header is required", "invalid_request_error", None)
            await JSONResponse(body, status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def fault_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Fault)
    body = error_body(protocol_of(request.url.path), exc.status, exc.message, exc.kind, exc.param, exc.code)
    return JSONResponse(body, status_code=exc.status)


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
        mod = importlib.import_module(f"harness.upstreams.{module}")
    except ImportError:
        return []
    return list(mod.routes())


def create_app() -> Starlette:
    """A fresh server: its own store of responses, every protocol's routes, credentials checked per protocol."""
    routes: list[BaseRoute] = [Route("/health", health)]
    routes += openai_responses.routes(openai_responses.Store()) + openai_chat.routes()
    routes += _optional_routes("anthropic") + _optional_routes("gemini")
    return Starlette(
        routes=routes,
        middleware=[Middleware(CredentialMiddleware)],
        exception_handlers={Fault: fault_handler, HTTPException: http_error_handler, Exception: crash_handler},
    )
