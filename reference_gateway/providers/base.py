"""The two protocols an upstream adapter implements (native Responses, or chat-translated), and the error every
adapter raises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable


class UpstreamError(Exception):
    """An upstream fault: `status` is what the gateway answers (502, 504, 429, or the upstream's own 4xx).

    `kind` and `code` are the upstream's error type and code where it sent them, `retry_after` its Retry-After
    header, and `credential` is set when the upstream refused the gateway's own key (not the caller's fault)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        kind: str | None = None,
        retry_after: str | None = None,
        credential: bool = False,
        provider: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider  # the configured provider's name, filled in by the pipeline
        self.status = status
        self.message = message
        self.code = code
        self.kind = kind
        self.retry_after = retry_after
        self.credential = credential


class UnsupportedOperation(Exception):
    """The provider has no way to do this operation (e.g. count tokens); the gateway answers 501."""


class Stateful(StrEnum):
    """How a chat-translated provider treats `previous_response_id` and `conversation`."""

    REPLAY = "replay"  # the gateway rebuilds the history from what it stored
    REJECT = "reject"  # a 400 naming the field


class Compact(StrEnum):
    """How a chat-translated provider treats `POST /v1/responses/compact`."""

    TRANSLATE = "translate"  # a real summary through the provider
    REJECT = "reject"  # a 501


@dataclass
class ProviderSettings:
    name: str
    type: str
    base_url: str
    api_key: str = ""
    stateful: Stateful = Stateful.REJECT
    compact: Compact = Compact.TRANSLATE
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stateful = Stateful(self.stateful)  # a plain string from code or YAML is checked here
        self.compact = Compact(self.compact)


@runtime_checkable
class NativeProvider(Protocol):
    """A native Responses upstream: payloads and streams are forwarded, not rewritten."""

    settings: ProviderSettings

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST a Responses payload to `path` (`/responses`, `/responses/input_tokens`, `/responses/compact`)."""
        ...

    def stream(self, payload: dict[str, Any]) -> AsyncIterator[tuple[str | None, dict[str, Any]]]:
        """(event name, event) pairs of a streamed `/responses` call, as the upstream sends them."""
        ...

    async def delete(self, path: str) -> bool:
        """DELETE `path`: True when deleted, False when the upstream does not have it."""
        ...


@runtime_checkable
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
