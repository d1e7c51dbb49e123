"""Native Responses upstreams: payloads and streams are forwarded, not rewritten."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from reference_gateway.providers import shapes, sse
from reference_gateway.providers.base import ProviderSettings, UpstreamError
from reference_gateway.providers.http import open_stream, post_json, raise_for_upstream
from reference_gateway.providers.upstream import UpstreamClient


class OpenAIResponsesProvider:
    def __init__(self, settings: ProviderSettings, client: UpstreamClient) -> None:
        self.settings = settings
        self.client = client

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.api_key}"}

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        result = await post_json(self.client, self.settings.base_url + path, payload, self._headers())
        if path == "/responses":
            return shapes.response_object(result)
        if not isinstance(result, dict):
            raise UpstreamError(502, "upstream answer is not a JSON object")
        return result

    async def stream(self, payload: dict[str, Any]) -> AsyncIterator[tuple[str | None, dict[str, Any]]]:
        """(event name, event) pairs as the upstream sends them."""
        url = self.settings.base_url + "/responses"
        async with open_stream(self.client, "POST", url, payload, self._headers()) as response:
            async for name, data in sse.events(response.chunks()):
                if data.strip() == "[DONE]":
                    return
                try:
                    event = json.loads(data)
                except ValueError as exc:
                    raise UpstreamError(502, "upstream sent an event that is not JSON") from exc
                yield name, shapes.response_event(event)

    async def delete(self, path: str) -> bool:
        """DELETE upstream: True when deleted, False when the upstream does not have it (already gone)."""
        response = await self.client.request("DELETE", self.settings.base_url + path, headers=self._headers())
        if response.status == 404:
            return False
        raise_for_upstream(response)
        return True
