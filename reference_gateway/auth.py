"""Gateway keys: `Authorization: Bearer` or `x-api-key`, compared in constant time, never logged."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from reference_gateway.errors import GatewayError, error_response

OPEN_PATHS = ("/health",)


def presented_key(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The key from `Authorization: Bearer` (first), else `x-api-key`, read off the ASGI scope's raw headers."""
    auth = api_key = b""
    for name, value in headers:
        if name == b"authorization" and not auth:
            auth = value
        elif name == b"x-api-key" and not api_key:
            api_key = value
    if auth[:7].lower() == b"bearer ":
        return auth[7:].strip()
    return api_key.strip()


def key_name(keys: Iterable[tuple[str, bytes]], presented: bytes) -> str | None:
    """The name of the matching key. Every key is compared, so timing does not reveal which one came close."""
    found = None
    for name, key in keys:
        if hmac.compare_digest(presented, key):
            found = name
    return found


class AuthMiddleware:
    def __init__(self, app: ASGIApp, keys: dict[str, str]) -> None:
        self.app = app
        self.keys = [(name, key.encode()) for name, key in keys.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        presented = presented_key(scope["headers"])
        name = key_name(self.keys, presented) if presented else None
        if name is None:
            message = "Incorrect API key provided." if presented else "Missing API key: send Authorization: Bearer."
            err = GatewayError(401, message, type="authentication_error", code="invalid_api_key")
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": message})
                return
            await error_response(err)(scope, receive, send)
            return
        scope.setdefault("state", {})["key_name"] = name
        await self.app(scope, receive, send)
