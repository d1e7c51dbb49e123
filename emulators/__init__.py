"""Deterministic emulated upstreams (OpenAI Responses and Chat, Anthropic Messages, Gemini) over one scripted model."""

from emulators.app import create_app

__all__ = ["create_app"]
