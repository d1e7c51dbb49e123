"""The chat flow: a chat-translated upstream (OpenAI-style chat, Anthropic Messages, Gemini) is given the request
as a chat request holding the whole history the gateway replays, and its chat answer is turned back into a
Response, or its chunks into the Responses stream grammar. Operations the provider has no way to do are refused
by the capability table (501) before anything goes upstream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal

from reference_gateway import capabilities
from reference_gateway.flows import calls, record
from reference_gateway.providers.base import ChatProvider, ProviderSettings
from reference_gateway.translate.compaction import compaction_response, summary_request
from reference_gateway.translate.request import responses_to_chat
from reference_gateway.translate.response import chat_to_response
from reference_gateway.translate.stream import ResponsesStream
from reference_gateway.translate.types import ChatChunk, ChatRequest

if TYPE_CHECKING:
    from reference_gateway.gateway import Gateway
    from reference_gateway.turn import Turn

Event = dict[str, Any]


class ChatFlow:
    history: Literal["forward", "replay"] = "replay"

    def __init__(self, provider: ChatProvider) -> None:
        self.provider = provider
        self.settings: ProviderSettings = provider.settings

    def _chat(self, turn: Turn, *, stream: bool) -> ChatRequest:
        return responses_to_chat(turn.payload, turn.items, model=turn.route.upstream_model, stream=stream)

    async def respond(self, gateway: Gateway, turn: Turn) -> dict[str, Any]:
        with calls.named(turn):
            completion = await calls.within_deadline(gateway, self.provider.complete(self._chat(turn, stream=False)))
        return chat_to_response(completion, request=turn.payload)

    async def events(self, gateway: Gateway, turn: Turn) -> AsyncIterator[Event]:
        with calls.named(turn):
            chunks = await calls.primed(gateway, self.provider.stream(self._chat(turn, stream=True)))
        return self._translate(gateway, turn, chunks)

    async def _translate(self, gateway: Gateway, turn: Turn, chunks: AsyncIterator[ChatChunk]) -> AsyncIterator[Event]:
        builder = ResponsesStream(request=turn.payload)
        if turn.local_previous:
            builder.request = {**turn.payload, "previous_response_id": turn.local_previous}
        for event in builder.start():
            if event["type"] == "response.created":
                await record.claim(gateway, turn, event["response"])
            yield event
        try:
            async for chunk in chunks:
                for event in builder.feed(chunk):
                    yield event
            tail = builder.finish()
        except Exception as exc:
            fault = calls.stream_fault(turn, exc)
            tail = builder.fail(fault.message, calls.failed_code(fault))
        *body, terminal = tail
        for event in body:
            yield event
        if builder.final is None:
            record.evict(turn)
            yield terminal
            return
        yield await record.stored(gateway, turn, terminal, record.as_client_sees(turn, dict(builder.final)))

    async def count_tokens(self, gateway: Gateway, turn: Turn) -> dict[str, Any]:
        capabilities.check_operation(self.settings, turn.route.upstream_model, "input_tokens")
        with calls.named(turn):
            count = await calls.within_deadline(gateway, self.provider.count_tokens(self._chat(turn, stream=False)))
        return {"object": "response.input_tokens", "input_tokens": count}

    async def compact(self, gateway: Gateway, turn: Turn) -> dict[str, Any]:
        capabilities.check_operation(self.settings, turn.route.upstream_model, "compact")
        payload, items = summary_request(turn.payload, turn.items)
        chat = responses_to_chat(payload, items, model=turn.route.upstream_model, stream=False)
        with calls.named(turn):
            completion = await calls.within_deadline(gateway, self.provider.complete(chat))
        return compaction_response(turn.items, chat_to_response(completion, request=turn.payload))

    async def forget(self, response_id: str) -> None:
        """Nothing to delete upstream: a chat provider keeps no responses."""
