"""The OpenAI error envelope, and the exceptions that produce it: `GatewayError` (the gateway's own answer, and
its `TranslationError` for what a route cannot carry to its provider) and `UpstreamError` (an upstream fault).
`envelope(exc)` turns any of them into the one answer the HTTP handlers and the websocket frames share."""

from __future__ import annotations

import logging
from dataclasses import KW_ONLY, dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("reference_gateway")


@dataclass(eq=False)
class GatewayError(Exception):
    """The gateway's own answer to a request: the envelope's fields, its status and any headers."""

    status: int
    message: str
    _: KW_ONLY
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    headers: dict[str, str] | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"error": {"type": self.type, "message": self.message, "param": self.param, "code": self.code}}


@dataclass(eq=False)
class UpstreamError(Exception):
    """An upstream fault: `status` is what the gateway answers (502, 504, 429, or the upstream's own 4xx).

    `kind` and `code` are the upstream's error type and code where it sent them, `retry_after` its Retry-After
    header, and `credential` is set when the upstream refused the gateway's own key (not the caller's fault)."""

    status: int
    message: str
    _: KW_ONLY
    code: str | None = None
    kind: str | None = None
    retry_after: str | None = None
    credential: bool = False
    provider: str | None = None  # the configured provider's name, filled in by the pipeline

    def __post_init__(self) -> None:
        super().__init__(self.message)


class TranslationError(GatewayError):
    """What a chat-translated route cannot carry to its provider, found while translating (nothing went upstream):
    a 400 naming the Responses parameter. What a whole provider type cannot do is the capability table's."""

    def __init__(self, message: str, param: str | None = None, *, code: str | None = None) -> None:
        super().__init__(400, message, type="invalid_request_error", param=param, code=code)


def error_response(exc: GatewayError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


def upstream_error(exc: UpstreamError, provider: str | None = None) -> GatewayError:
    """An upstream fault as the caller sees it: the status chosen by the adapter, the provider's own type, code
    and Retry-After where it sent them, and the provider named where the gateway's own setup is at fault."""
    message = (
        f"provider '{provider}': {exc.message}" if provider and (exc.credential or exc.status >= 500) else exc.message
    )
    kind = "server_error" if exc.status >= 500 else (exc.kind or "invalid_request_error")
    code = exc.code or ("upstream_error" if exc.status >= 500 else None)
    headers = {"retry-after": exc.retry_after} if exc.retry_after else None
    return GatewayError(exc.status, message, type=kind, code=code, headers=headers)


class StorageUnavailable(GatewayError):
    """A write the storage refused (its database locked by another connection past the busy timeout, a full disk):
    a 503 naming the storage; nothing of the write was kept."""

    def __init__(self, cause: Exception, what: str = "The request's changes", *, busy: bool = False) -> None:
        reason = "it is busy (another process holds its write lock)" if busy else f"it failed ({type(cause).__name__})"
        super().__init__(
            503,
            f"{what} could not be stored: the gateway's storage is unavailable, {reason}. Nothing was kept; retry "
            "the request.",
            type="server_error",
            code="storage_unavailable",
            headers={"retry-after": "1"},
        )


# The code an error gets when the layer that raised it named none: every envelope, over HTTP and in a websocket
# `error` frame, carries one (Open Responses requires `error.code` on websocket errors).
DEFAULT_CODES = {
    400: "invalid_request",
    401: "invalid_api_key",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "rate_limit_exceeded",
    501: "unsupported_response_operation",
    503: "service_unavailable",
}
UNEXPECTED_MESSAGE = "The gateway failed unexpectedly."


def envelope(exc: BaseException) -> GatewayError:
    """Any error as the caller sees it, its code always set: the one translation the HTTP handlers and the
    websocket frames share (an exception no layer expected is a 500 `server_error`)."""
    if isinstance(exc, GatewayError):
        err = exc
    elif isinstance(exc, UpstreamError):
        err = upstream_error(exc, exc.provider)
    else:
        err = GatewayError(500, UNEXPECTED_MESSAGE, type="server_error")
    if err.code is None:
        fallback = DEFAULT_CODES.get(err.status, "server_error" if err.status >= 500 else "invalid_request")
        err = GatewayError(err.status, err.message, type=err.type, code=fallback, param=err.param, headers=err.headers)
    return err


def not_found(message: str, *, param: str | None = None, code: str | None = None) -> GatewayError:
    return GatewayError(404, message, type="not_found_error", param=param, code=code)


async def gateway_error_handler(request: Request, exc: Exception) -> Response:
    """GatewayError and UpstreamError alike: `envelope(exc)`."""
    return error_response(envelope(exc))


async def storage_error_handler(request: Request, exc: Exception) -> Response:
    """A storage write or read that failed in a route (sqlite3.OperationalError): a 503 naming the storage."""
    log.warning("storage unavailable on %s %s: %s", request.method, request.url.path, str(exc)[:200])
    return error_response(StorageUnavailable(exc, busy=request.app.state.gateway.storage.busy(exc)))


async def http_error_handler(request: Request, exc: Exception) -> Response:
    status = int(getattr(exc, "status_code", 500))
    kind = {404: "not_found_error", 405: "invalid_request_error"}.get(status, "invalid_request_error")
    return error_response(
        envelope(GatewayError(status, str(getattr(exc, "detail", "")) or "Request failed.", type=kind))
    )


class UnexpectedErrorMiddleware:
    """The last resort: an exception no handler took becomes a 500 envelope and one log line with its type and
    message (no traceback, no body, no headers). Starlette's own fallback re-raises, so the server would log the
    whole traceback too. Once a response has started (a stream), the line is all that can be done."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            log.error("unexpected %s on %s %s: %s", type(exc).__name__, scope["method"], scope["path"], str(exc)[:200])
            if not started:
                await error_response(envelope(exc))(scope, receive, send)
