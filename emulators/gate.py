"""The gate in front of every emulator: journal the request, then refuse it as the provider would when its key
or its model is not one the protocol knows (access.py). `/health` and `/_journal` pass untouched and unrecorded.

Order, as at the providers: the credential (401, or Google's 400 / 403), Anthropic's `anthropic-version`, then the
model (404 in each provider's not-found format). A body that is not JSON, or has no string `model`, is left to the
endpoint to refuse.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulators import faults
from emulators.access import Access
from emulators.errors import GOOGLE_NO_KEY, error_body, protocol_of
from emulators.journal import PATH as JOURNAL_PATH
from emulators.journal import Journal

OPEN_PATHS = ("/health", JOURNAL_PATH)
ENTRY = "journal_entry"  # where the request's journal entry is kept in the ASGI scope's state
_GEMINI_MODEL = re.compile(r"^/v1beta/models/([^:/]+):")
_GOOGLE_KEY_INVALID = {
    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
    "reason": "API_KEY_INVALID",
    "domain": "googleapis.com",
    "metadata": {"service": "generativelanguage.googleapis.com"},
}


def credential(protocol: str, request: Request) -> str:
    headers = request.headers
    if protocol == "anthropic":
        return headers.get("x-api-key", "")
    if protocol == "gemini":
        return headers.get("x-goog-api-key", "") or request.query_params.get("key", "")
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


def _masked(key: str) -> str:
    return f"{key[:3]}{'*' * (len(key) - 7)}{key[-4:]}" if len(key) > 10 else "*" * len(key)


def key_refusal(protocol: str, key: str) -> Response:
    """What each provider answers to a missing or unknown key."""
    if protocol == "anthropic":
        message = "invalid x-api-key" if key else "x-api-key header is required"
        return JSONResponse(error_body(protocol, 401, message, "authentication_error", None), status_code=401)
    if protocol == "gemini":
        if not key:
            return JSONResponse(error_body(protocol, 403, GOOGLE_NO_KEY, "", None), status_code=403)
        body = error_body(protocol, 400, "API key not valid. Please pass a valid API key.", "", None)
        body["error"]["details"] = [_GOOGLE_KEY_INVALID]
        return JSONResponse(body, status_code=400)
    if key:
        message = (
            f"Incorrect API key provided: {_masked(key)}. "
            "You can find your API key at https://platform.openai.com/account/api-keys."
        )
    else:
        message = (
            "You didn't provide an API key. You need to provide your API key in an Authorization header using "
            "Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        )
    return JSONResponse(error_body(protocol, 401, message, "invalid_request_error", None), status_code=401)


def model_refusal(protocol: str, model: str) -> Response:
    """Each provider's not-found answer for a model it does not serve."""
    if protocol == "anthropic":
        message = f"model: {model}"
    elif protocol == "gemini":
        message = f"models/{model} is not found for API version v1beta, or is not supported for generateContent."
    else:
        message = f"The model `{model}` does not exist or you do not have access to it."
    body = error_body(protocol, 404, message, "invalid_request_error", None, "model_not_found")
    return JSONResponse(body, status_code=404)


def requested_model(protocol: str, path: str, body: bytes) -> str | None:
    """The model a request names: Gemini's in the path, the others' in the JSON body's `model`."""
    if protocol == "gemini":
        match = _GEMINI_MODEL.match(path)
        return match.group(1) if match else None
    try:
        parsed: Any = json.loads(body) if body else None
    except ValueError:
        return None
    model = parsed.get("model") if isinstance(parsed, dict) else None
    return model if isinstance(model, str) and model else None


class Gate:
    """ASGI middleware: journal every request, then check its credential and model before the emulator sees it."""

    def _foreign(self, request: Request, protocol: str) -> str | None:
        """The other protocol whose valid credential this request carries, if any."""
        return next((p for p in _foreign_protocols(protocol) if self.access.key_ok(p, credential(p, request))), None)

    def __init__(self, app: ASGIApp, access: Access, journal: Journal) -> None:
        self.app, self.access, self.journal = app, access, journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        body, replay = await _buffered(receive)
        faults.CLIENT_RECEIVE.set(replay)
        request = Request(scope)
        protocol = protocol_of(scope["path"])
        key = credential(protocol, request)
        valid = bool(key) and self.access.key_ok(protocol, key)
        entry = self.journal.record(request, body, protocol, "valid" if valid else "invalid" if key else "missing")
        scope.setdefault("state", {})[ENTRY] = entry  # an upstream that knows its answer adds it (real_model/front.py)

        async def send_noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        refusal = self._refusal(request, protocol, key, valid, body)
        if refusal is not None:
            await refusal(scope, replay, send_noting_status)
            return
        await self.app(scope, replay, send_noting_status)

    def _refusal(self, request: Request, protocol: str, key: str, valid: bool, body: bytes) -> Response | None:
        if not valid:
            foreign = self._foreign(request, protocol)
            if foreign is not None:
                # Another provider's valid key on this path: the request was meant for that provider's host, which
                # has no such path (one port serves every protocol here; the real hosts are apart).
                message = f"Not found: {request.method} {request.url.path}"
                kind = "not_found_error" if foreign == "anthropic" else "invalid_request_error"
                return JSONResponse(error_body(foreign, 404, message, kind, None), status_code=404)
            return key_refusal(protocol, key)
        if protocol == "anthropic" and not request.headers.get("anthropic-version"):
            message = "anthropic-version: header is required"
            return JSONResponse(error_body(protocol, 400, message, "invalid_request_error", None), status_code=400)
        model = requested_model(protocol, request.url.path, body) if request.method == "POST" else None
        if model is not None and not self.access.model_ok(protocol, model):
            return model_refusal(protocol, model)
        return None


def _foreign_protocols(protocol: str) -> tuple[str, ...]:
    return tuple(p for p in ("openai", "anthropic", "gemini") if p != protocol)


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a `receive` that hands it to the app again before passing on the rest
    (a disconnect while a stream is being sent)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
