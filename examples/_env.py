"""The three settings every example reads, with the defaults of a local gateway."""

from __future__ import annotations

import os

from openai import AsyncOpenAI

BASE_URL = os.getenv("OPENAI_BASE_URL", "http://localhost:8080/v1")
API_KEY = os.getenv("GATEWAY_MASTER_KEY", "change-me")


def model(default: str = "openai/gpt-5-mini") -> str:
    """The gateway model ID to use: `provider/model-name`, as the gateway lists it."""
    return os.getenv("OPENAI_MODEL", default)


def client() -> AsyncOpenAI:
    # max_retries=0: an example should show a gateway's answer, not hide it behind retries.
    return AsyncOpenAI(base_url=BASE_URL, api_key=API_KEY, max_retries=0)
