"""Native Responses upstreams: payloads and streams are forwarded, not rewritten."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from reference_gateway.providers import shapes, sse
from reference_gateway.providers.base import UpstreamError
from reference_gateway.providers.http import Adapter, open_stream, post_json, raise_for_upstream


class OpenAIResponsesProvider(Adapter):
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
