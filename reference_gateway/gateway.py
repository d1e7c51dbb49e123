"""The gateway's parts held together: config, each provider's flow by name, storage, the upstream HTTP clients."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reference_gateway.config import Config
from reference_gateway.flows import Flow, flow_for
from reference_gateway.providers import registry
from reference_gateway.providers.base import ProviderSettings
from reference_gateway.providers.upstream import UpstreamClient
from reference_gateway.storage import Storage, open_storage

# What a model name may look like, per wire protocol. Gemini puts the name in the URL path (`models/NAME:action`),
# so it gets the narrowest pattern: no `/`, `:`, `?`, `#`, `%` or whitespace can reach the path. The others carry
# it in the JSON body only, where vendor names such as `meta-llama/llama-4-scout` or `model@2024-05-01` occur.
_BODY_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+/-]{0,255}")
MODEL_PATTERNS: dict[str, re.Pattern[str]] = {
    "gemini": re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"),
    "anthropic": _BODY_MODEL,
    "openai_chat": _BODY_MODEL,
    "openai_responses": _BODY_MODEL,
}


def valid_model_name(provider_type: str, name: str) -> bool:
    """True when `name` is a plausible model name for this wire, with no path segment that climbs (`..`)."""
    pattern = MODEL_PATTERNS.get(provider_type, MODEL_PATTERNS["gemini"])
    return pattern.fullmatch(name) is not None and ".." not in name.split("/") and "//" not in name


@dataclass(frozen=True)
class Route:
    """Where a model name leads: the configured provider's flow (native or chat) and the model name it is sent
    upstream as."""

    flow: Flow
    upstream_model: str

    @property
    def settings(self) -> ProviderSettings:
        return self.flow.settings

    @property
    def name(self) -> str:
        return self.flow.settings.name


class Gateway:
    def __init__(self, config: Config, storage: Storage | None = None) -> None:
        """`storage`: one already open (tests give a MemoryStorage); by default the one the config names."""
        self.config = config
        self.storage = storage or open_storage(
            config.storage_url, config.storage_path, busy_timeout=config.storage_busy_timeout
        )
        # One connection pool per provider: a provider whose requests hang fills its own pool, not the others';
        # and one key may hold only its share of each pool.
        self.clients = {
            name: UpstreamClient(
                connect=config.connect_timeout,
                read=config.read_timeout,
                max_connections=config.limits.max_connections,
                pool_wait=config.limits.pool_wait,
                max_per_key=config.limits.max_concurrent_per_key,
            )
            for name in config.providers
        }
        self.flows = {name: flow_for(registry.build(s, self.clients[name])) for name, s in config.providers.items()}

    def route(self, model: str) -> Route | None:
        """`provider/model-name`: the provider prefix selects the route, the rest is sent upstream.

        An unknown prefix is never guessed at: it is a 404, so a typo cannot reach the wrong provider."""
        prefix, sep, rest = model.partition("/")
        if not sep and self.config.default_provider in self.flows:
            # A bare model name ("gpt-5-mini") goes to the default provider, as the SDK's own examples send it.
            name = self.config.default_provider
            return Route(self.flows[name], model)
        if not sep or not rest or prefix not in self.flows:
            return None
        return Route(self.flows[prefix], rest)

    async def aclose(self) -> None:
        for client in self.clients.values():
            await client.aclose()
        self.storage.close()
