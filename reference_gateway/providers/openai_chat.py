"""OpenAI-style Chat Completions upstreams (OpenAI, Groq, vLLM, ...): the chat shapes go through unchanged."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from reference_gateway.providers import shapes, sse
from reference_gateway.providers.base import ProviderSettings, UnsupportedOperation, UpstreamError
from reference_gateway.providers.http import open_stream, post_json
from reference_gateway.providers.upstream import UpstreamClient


class OpenAIChatProvider:
    def __init__(self, settings: ProviderSettings, client: UpstreamClient) -> None:
        self.settings = settings
        self.client = client

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.api_key}"}

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        url = self.settings.base_url + "/chat/completions"
        return shapes.chat_completion(await post_json(self.client, url, request, self._headers()))

    async def stream(self, request: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
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

    async def count_tokens(self, request: dict[str, Any]) -> int:
        raise UnsupportedOperation("OpenAI-style chat providers have no token counting endpoint")
