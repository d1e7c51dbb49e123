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
        """`provider/model-name`: the provider prefix selects the route, the rest is sent upstream."""
        prefix, sep, rest = model.partition("/")
        if not sep or not rest or prefix not in self.providers:
            return None
        return Route(self.providers[prefix], rest)

    async def aclose(self) -> None:
        await self.client.aclose()
        self.storage.close()
