"""The reference gateway's four wires pointed at the emulated upstreams, with the keys the emulators accept."""

from __future__ import annotations

from typing import Any


def providers(upstream_url: str, *, stateful: str = "replay") -> dict[str, dict[str, Any]]:
    """`providers:` for a gateway config: openai (native), groq (chat), anthropic and gemini at `upstream_url`."""
    wires = {
        "openai": ("openai_responses", f"{upstream_url}/v1", "sk-upstream-openai"),
        "groq": ("openai_chat", f"{upstream_url}/v1", "gsk-upstream"),
        "anthropic": ("anthropic", upstream_url, "sk-ant-upstream"),
        "gemini": ("gemini", f"{upstream_url}/v1beta", "gemini-upstream"),
    }
    return {
        name: {"type": kind, "base_url": url, "api_key": key, "stateful": stateful}
        for name, (kind, url, key) in wires.items()
    }
