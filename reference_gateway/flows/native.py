"""The native flow: a Responses upstream is given the request as the client sent it (its model name swapped for
the upstream's) and answers in Responses shapes, which are passed on as they are. Only what the gateway itself owns
is rewritten: a conversation, and a websocket connection's own `store: false` responses, become input items."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from reference_gateway.flows import calls, record
from reference_gateway.providers.base import NativeProvider, ProviderSettings, UpstreamError

if TYPE_CHECKING:
    from reference_gateway.gateway import Gateway
    from reference_gateway.turn import Turn

Event = dict[str, Any]
TERMINAL = ("response.completed", "response.failed", "response.incomplete")


class NativeFlow:
    history: Literal["forward", "replay"] = "forward"

    def __init__(self, provider: NativeProvider) -> None:
        self.provider = provider
        self.settings: ProviderSettings = provider.settings

    @staticmethod
    def payload(turn: Turn) -> dict[str, Any]:
        upstream = {**turn.payload, "model": turn.route.upstream_model}
        upstream.pop("stream", None)
        if turn.conversation or turn.local_previous:
            # The conversation and a connection's own responses are the gateway's: their items are in the history.
            upstream.pop("conversation", None)
            upstream.pop("previous_response_id", None)
            upstream["input"] = turn.items
        return upstream

    async def respond(self, gateway: Gateway, turn: Turn) -> dict[str, Any]:
        with calls.named(turn):
            return await calls.within_deadline(gateway, self.provider.post("/responses", self.payload(turn)))

    async def events(self, gateway: Gateway, turn: Turn) -> AsyncIterator[Event]:
        with calls.named(turn):
            upstream = await calls.primed(gateway, self.provider.stream({**self.payload(turn), "stream": True}))
        return self._relay(gateway, turn, upstream)

    async def _relay(
        self, gateway: Gateway, turn: Turn, upstream: AsyncIterator[tuple[str | None, Event]]
    ) -> AsyncIterator[Event]:
        last_seq = -1
        snapshot: dict[str, Any] = {}
        try:
            async for _, event in upstream:
                if isinstance(event.get("response"), dict):
                    if not snapshot:
                        await record.claim(gateway, turn, event["response"])
                    snapshot = record.as_client_sees(turn, event["response"])
                last_seq = int(event.get("sequence_number", last_seq + 1))
                if event.get("type") in TERMINAL:
                    terminal = event
                    break
                yield event
            else:
                raise UpstreamError(502, "upstream stream ended without a terminal event")
        except Exception as exc:
            record.evict(turn)
            fault = calls.stream_fault(turn, exc)
            error = {"code": calls.failed_code(fault), "message": fault.message}
            failed = {**snapshot, "status": "failed", "error": error}
            yield {"type": "response.failed", "response": failed, "sequence_number": last_seq + 1}
            return
        yield await record.stored(gateway, turn, terminal, terminal["response"])

    async def count_tokens(self, gateway: Gateway, turn: Turn) -> dict[str, Any]:
        with calls.named(turn):
            post = self.provider.post("/responses/input_tokens", self.payload(turn))
            return await calls.within_deadline(gateway, post)

    async def compact(self, gateway: Gateway, turn: Turn) -> dict[str, Any]:
        with calls.named(turn):
            return await calls.within_deadline(gateway, self.provider.post("/responses/compact", self.payload(turn)))

    async def forget(self, response_id: str) -> None:
        """Delete the upstream's copy: it would otherwise stay reachable through `previous_response_id`."""
        try:
            await self.provider.delete(f"/responses/{quote(response_id, safe='')}")
        except UpstreamError as exc:
            exc.provider = exc.provider or self.settings.name  # the envelope names whose fault it was
            raise
