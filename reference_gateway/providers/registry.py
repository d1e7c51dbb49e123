"""Build provider adapters from config, by wire protocol."""

from __future__ import annotations

from reference_gateway.providers.anthropic import AnthropicProvider
from reference_gateway.providers.base import ChatProvider, NativeProvider, ProviderSettings
from reference_gateway.providers.gemini import GeminiProvider
from reference_gateway.providers.openai_chat import OpenAIChatProvider
from reference_gateway.providers.openai_responses import OpenAIResponsesProvider
from reference_gateway.providers.upstream import UpstreamClient

Provider = NativeProvider | ChatProvider
ADAPTERS: dict[str, type[OpenAIResponsesProvider | OpenAIChatProvider | AnthropicProvider | GeminiProvider]] = {
    "openai_responses": OpenAIResponsesProvider,
    "openai_chat": OpenAIChatProvider,
    "anthropic": AnthropicProvider,
    "gemini": GeminiProvider,
}


def build(settings: ProviderSettings, client: UpstreamClient) -> Provider:
    if settings.type not in ADAPTERS:
        raise ValueError(f"provider {settings.name!r}: unknown type {settings.type!r} (one of {', '.join(ADAPTERS)})")
    return ADAPTERS[settings.type](settings, client)
