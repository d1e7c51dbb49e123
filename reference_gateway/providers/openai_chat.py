"""OpenAI-style Chat Completions upstreams (OpenAI, Groq, vLLM, ...): the chat shapes go through unchanged."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from reference_gateway.errors import GatewayError
from reference_gateway.providers import shapes, sse
from reference_gateway.providers.base import UpstreamError
from reference_gateway.providers.http import Adapter, open_stream, post_json
from reference_gateway.translate.types import ChatChunk, ChatCompletion, ChatRequest


class OpenAIChatProvider(Adapter):
    async def complete(self, request: ChatRequest) -> ChatCompletion:
        url = self.settings.base_url + "/chat/completions"
        return shapes.chat_completion(await post_json(self.client, url, request, self._headers()))

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        url = self.settings.base_url + "/chat/completions"
        done = False
        async with open_stream(self.client, "POST", url, request, self._headers()) as response:
            async for _, data in sse.events(response.chunks()):
                if data.strip() == "[DONE]":
                    done = True
                    break
                try:
                    chunk = json.loads(data)
                except ValueError as exc:
                    raise UpstreamError(502, "upstream sent a chunk that is not JSON") from exc
                yield shapes.chat_chunk(chunk)
        if not done:
            raise UpstreamError(502, "upstream chat stream ended before [DONE]")

    async def count_tokens(self, request: ChatRequest) -> int:
        # Unreachable through the pipeline (the capability table refuses input_tokens here first); an adapter used
        # on its own answers the same.
        raise GatewayError(
            501, "OpenAI-style chat providers have no token counting endpoint", code="unsupported_response_operation"
        )
