"""`Fault`, an error an emulator answers with, and the error format of each provider."""

from __future__ import annotations

from typing import Any


class Fault(Exception):
    """Raised inside an emulator to answer with a provider-formatted error (the app renders it per protocol)."""

    def __init__(
        self,
        status: int,
        message: str,
        kind: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.kind, self.param, self.code = status, message, kind, param, code
        self.headers = headers or {}


# What Google answers (403 PERMISSION_DENIED) to a request that carries no API key at all.
GOOGLE_NO_KEY = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)
GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


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
        return {"error": {"code": status, "message": message, "status": GOOGLE_STATUS.get(status, "UNKNOWN")}}
    code = code or {401: "invalid_api_key"}.get(status)
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
