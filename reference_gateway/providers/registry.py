"""Build provider adapters from config, by wire protocol."""

from __future__ import annotations

import importlib
from typing import Any

import httpx

from reference_gateway.providers.base import ProviderSettings

ADAPTERS = {
    "openai_responses": "reference_gateway.providers.openai_responses:OpenAIResponsesProvider",
    "openai_chat": "reference_gateway.providers.openai_chat:OpenAIChatProvider",
    "anthropic": "reference_gateway.providers.anthropic:AnthropicProvider",
    "gemini": "reference_gateway.providers.gemini:GeminiProvider",
}


def build(settings: ProviderSettings, client: httpx.AsyncClient) -> Any:
    if settings.type not in ADAPTERS:
        raise ValueError(f"provider {settings.name!r}: unknown type {settings.type!r} (one of {', '.join(ADAPTERS)})")
    module, _, cls = ADAPTERS[settings.type].partition(":")
    return getattr(importlib.import_module(module), cls)(settings, client)
