"""Deterministic emulated upstreams (OpenAI Responses and Chat, Anthropic Messages, Gemini) over one scripted model.

`create_app` is imported on first use, so that reading one of the emulators' contracts (the fault table,
`emulators.faults`) does not load the whole app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulators.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from emulators.app import create_app

        return create_app
    raise AttributeError(f"module 'emulators' has no attribute {name!r}")
