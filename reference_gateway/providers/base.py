"""The two protocols an upstream adapter implements (native Responses, or chat-translated), and a provider's
settings. The errors adapters raise are reference_gateway.errors' (`UpstreamError`, `TranslationError`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from reference_gateway.errors import UpstreamError
from reference_gateway.translate.types import ChatChunk, ChatCompletion, ChatRequest

__all__ = ["ChatProvider", "Compact", "NativeProvider", "ProviderSettings", "Stateful", "UpstreamError"]


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

    async def complete(self, request: ChatRequest) -> ChatCompletion:
        """A `chat.completion` object for a non-streaming chat request."""
        ...

    def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        """`chat.completion.chunk` objects, the last one carrying `usage` (as with include_usage)."""
        ...

    async def count_tokens(self, request: ChatRequest) -> int:
        """Input tokens the upstream counts for this chat request (the capability table refuses it where the
        provider cannot count)."""
        ...
