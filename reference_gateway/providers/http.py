"""Upstream HTTP calls as the providers make them: a JSON answer, or a stream whose status has been checked, with
every upstream error answer mapped to UpstreamError (5xx -> 502, the provider refusing the gateway's own key -> 502,
429 kept with Retry-After, any other 4xx kept)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from reference_gateway.providers.base import ProviderSettings, UpstreamError
from reference_gateway.providers.upstream import Reply, Streamed, UpstreamClient


class Adapter:
    """What every provider adapter holds: its settings and its provider's upstream client; it authenticates with
    a bearer key unless its wire says otherwise (`_headers`)."""

    def __init__(self, settings: ProviderSettings, client: UpstreamClient) -> None:
        self.settings = settings
        self.client = client

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.api_key}"}


async def post_json(client: UpstreamClient, url: str, body: Any, headers: dict[str, str]) -> Any:
    response = await client.request("POST", url, json=body, headers=headers)
    raise_for_upstream(response)
    try:
        return response.json()
    except ValueError as exc:
        raise UpstreamError(502, "upstream answered with a body that is not JSON") from exc


@asynccontextmanager
async def open_stream(
    client: UpstreamClient, method: str, url: str, body: Any, headers: dict[str, str]
) -> AsyncIterator[Streamed]:
    """An upstream streaming response whose status has been checked (errors read and raised before yielding)."""
    async with client.stream(method, url, json=body, headers=headers) as response:
        if response.status >= 400:
            raise_for_upstream(await response.read())
        yield response


def _error_fields(body: Any) -> tuple[str | None, str | None, str | None]:
    """(message, type, code) from any provider's error body: OpenAI's and Anthropic's `error` object, Gemini's
    `error` with `status`, or a list of those (Gemini's streaming errors)."""
    if isinstance(body, list) and body:
        body = body[0]
    if not isinstance(body, dict):
        return None, None, None
    err = body.get("error", body)
    if not isinstance(err, dict):
        return (err if isinstance(err, str) else None), None, None
    message = err.get("message") if isinstance(err.get("message"), str) else None
    kind = err.get("type") if isinstance(err.get("type"), str) else None
    code = err.get("code") if isinstance(err.get("code"), str) else None
    if code is None and isinstance(err.get("status"), str):
        code = err["status"]  # Gemini: RESOURCE_EXHAUSTED, INVALID_ARGUMENT ...
    return message, kind, code


def raise_for_upstream(response: Reply) -> None:
    """Map an upstream HTTP error to UpstreamError with the upstream's message.

    5xx -> 502; 401/403 (the provider refusing the gateway's own credential) -> 502, never the caller's 401;
    429 -> 429 with Retry-After and the provider's type and code; any other 4xx keeps its status."""
    if response.status < 400:
        return
    message, kind, code = None, None, None
    try:
        message, kind, code = _error_fields(response.json())
    except ValueError:
        pass
    text = f"upstream returned {response.status}: {message or response.text[:300]}"
    if response.status >= 500:
        raise UpstreamError(502, text, code="upstream_error", kind="server_error")
    if response.status in (401, 403):
        raise UpstreamError(
            502,
            f"the provider refused the gateway's own credential ({text})",
            code="upstream_auth_failed",
            kind="server_error",
            credential=True,
        )
    if response.status == 429:
        raise UpstreamError(
            429,
            text,
            code=code or "rate_limit_exceeded",
            kind=kind or "rate_limit_error",
            retry_after=response.headers.get("retry-after"),
        )
    raise UpstreamError(response.status, text, code=code, kind=kind if kind else None)
