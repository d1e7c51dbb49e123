"""The one protocol every upstream adapter implements, and the error every adapter raises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx


class UpstreamError(Exception):
    """An upstream fault: `status` is what the gateway answers (502, 504, or the upstream's own 4xx)."""

    def __init__(self, status: int, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


class UnsupportedOperation(Exception):
    """The provider has no way to do this operation (e.g. count tokens); the gateway answers 501."""


@dataclass
class ProviderSettings:
    name: str
    type: str
    base_url: str
    api_key: str = ""
    stateful: str = "reject"  # "replay" | "reject"
    compact: str = "translate"  # "translate" | "reject"
    options: dict[str, Any] = field(default_factory=dict)


class ChatProvider(Protocol):
    """A chat-translated upstream. Requests and results are OpenAI Chat Completions shapes (plain dicts):
    adapters for other wires (Anthropic, Gemini) convert chat -> native and native -> chat themselves."""

    settings: ProviderSettings

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        """A `chat.completion` object for a non-streaming chat request."""
        ...

    def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """`chat.completion.chunk` objects, the last one carrying `usage` (as with include_usage)."""
        ...

    async def count_tokens(self, request: dict[str, Any]) -> int:
        """Input tokens the upstream counts for this chat request, or raise UnsupportedOperation."""
        ...


def raise_for_upstream(response: httpx.Response) -> None:
    """Map an upstream HTTP error to UpstreamError (5xx -> 502, 4xx kept) with the upstream's message."""
    if response.status_code < 400:
        return
    message = response.text[:500]
    try:
        body = response.json()
        if isinstance(body, dict):
            err = body.get("error", body)
            if isinstance(err, dict) and isinstance(err.get("message"), str):
                message = err["message"]
            elif isinstance(err, list) and err and isinstance(err[0], dict):
                message = str(err[0].get("error", {}).get("message", message))
    except ValueError:
        pass
    status = 502 if response.status_code >= 500 else response.status_code
    raise UpstreamError(status, f"upstream returned {response.status_code}: {message}")
