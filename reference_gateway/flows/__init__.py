"""The two flows a route takes: `NativeFlow` forwards to a Responses upstream, `ChatFlow` translates to chat and
back. Each does the four operations (respond, events, count_tokens, compact) its own way; the pipeline picks the
flow once, when the gateway is built, and never asks which one it has."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal, Protocol

from reference_gateway.providers.base import ProviderSettings

if TYPE_CHECKING:
    from reference_gateway.gateway import Gateway
    from reference_gateway.turn import Turn

Event = dict[str, Any]


class Flow(Protocol):
    settings: ProviderSettings
    history: Literal["forward", "replay"]  # how `previous_response_id` is honoured (reference_gateway/state.py)

    async def respond(self, gateway: Gateway, turn: Turn) -> dict[str, Any]:
        """The whole Response, as the upstream made it (the pipeline makes it the client's and records it)."""
        ...

    async def events(self, gateway: Gateway, turn: Turn) -> AsyncIterator[Event]:
        """The stream's events, primed (an upstream fault before the first raises here), the terminal one last and
        recorded before it is yielded."""
        ...

    async def count_tokens(self, gateway: Gateway, turn: Turn) -> dict[str, Any]: ...

    async def compact(self, gateway: Gateway, turn: Turn) -> dict[str, Any]: ...

    async def forget(self, response_id: str) -> None:
        """A stored response is being deleted: delete whatever copy the upstream keeps."""
        ...


def flow_for(provider: object) -> Flow:
    """The flow a provider adapter takes, decided by the protocol it implements."""
    from reference_gateway.flows.chat import ChatFlow
    from reference_gateway.flows.native import NativeFlow
    from reference_gateway.providers.base import ChatProvider, NativeProvider

    if isinstance(provider, NativeProvider):
        return NativeFlow(provider)
    if isinstance(provider, ChatProvider):
        return ChatFlow(provider)
    raise TypeError(f"{type(provider).__name__} implements neither NativeProvider nor ChatProvider")
