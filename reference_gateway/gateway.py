"""The gateway's parts held together: config, provider adapters by name, storage, the upstream HTTP client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from reference_gateway.config import Config
from reference_gateway.providers import registry
from reference_gateway.storage import Storage


@dataclass
class Route:
    provider: Any  # a ChatProvider or the native OpenAIResponsesProvider
    upstream_model: str

    @property
    def native(self) -> bool:
        return bool(getattr(self.provider, "native", False))


class Gateway:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.storage = Storage(config.storage_path)
        timeout = httpx.Timeout(config.read_timeout, connect=config.connect_timeout)
        self.client = httpx.AsyncClient(timeout=timeout)
        self.providers = {name: registry.build(s, self.client) for name, s in config.providers.items()}

    def route(self, model: str) -> Route | None:
        """`provider/model-name`: the provider prefix selects the route, the rest is sent upstream.

        An unknown prefix is never guessed at: it is a 404, so a typo cannot reach the wrong provider."""
        prefix, sep, rest = model.partition("/")
        if not sep and self.config.default_provider in self.providers:
            # A bare model name ("gpt-5-mini") goes to the default provider, as the SDK's own examples send it.
            return Route(self.providers[self.config.default_provider], model)
        if not sep or not rest or prefix not in self.providers:
            return None
        return Route(self.providers[prefix], rest)

    async def aclose(self) -> None:
        await self.client.aclose()
        self.storage.close()
