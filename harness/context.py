"""What a probe gets to work with: clients bound to the target, rejection checks, helpers for the Agents SDK."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
import openai
from agents import Agent, MultiProvider, OpenAIResponsesModel, RunConfig, set_tracing_disabled

from harness.model import Expect, Observed, Probe, ProbeFailure
from harness.targets import Target

set_tracing_disabled(True)
# The SDK logs every failed model call; a rejection is an expected outcome here, and the verdict reports it.
logging.getLogger("openai.agents").setLevel(logging.CRITICAL)


class ProbeContext:
    """Built by the runner for one (probe, target) pair. Every HTTP call made through it is recorded."""

    def __init__(self, probe: Probe, target: Target, *, replay: bool = False) -> None:
        self.probe = probe
        self.replay = replay
        self.target = target
        self.model = target.model
        self.expectation: Expect = target.expectation(probe)
        self.client = self.new_client()
        self.notes: dict[str, Any] = {}
        self._cleanups: list[Callable[[], Awaitable[Any]]] = []

    # clients -------------------------------------------------------------------------------------------------
    def _auth_headers(self, api_key: str | None) -> dict[str, str]:
        key = self.target.key() if api_key is None else api_key
        if self.target.auth_header and key:
            return {self.target.auth_header: key}
        return {"Authorization": f"Bearer {key}"} if key else {}

    def new_client(self, *, api_key: str | None = None) -> openai.AsyncOpenAI:
        """An openai client for the target (max_retries=0). `api_key` overrides the target's key."""
        key = self.target.key() if api_key is None else api_key
        headers = dict(self.target.headers)
        if self.target.auth_header:
            headers.update(self._auth_headers(key))
        return openai.AsyncOpenAI(
            base_url=self.target.base_url,
            api_key=key or "missing",
            max_retries=0,
            timeout=self.target.timeout,
            default_headers=headers,
        )

    async def http(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        api_key: str | None = None,
    ) -> httpx2.Response:
        """A raw request to `base_url + path` (path like "/responses"); the body is read before returning."""
        all_headers = dict(self.target.headers)
        if auth:
            all_headers.update(self._auth_headers(api_key))
        all_headers.update(headers or {})
        url = self.target.base_url.rstrip("/") + path
        async with httpx2.AsyncClient(timeout=self.target.timeout) as client:
            response = await client.request(method, url, json=json, content=content, headers=all_headers)
            await response.aread()
            return response

    # Agents SDK ----------------------------------------------------------------------------------------------
    def sdk_model(self) -> OpenAIResponsesModel:
        return OpenAIResponsesModel(model=self.model, openai_client=self.client)

    def agent(self, **kwargs: Any) -> Agent[Any]:
        """An Agent whose model is the target's model over the target's client (Responses API)."""
        kwargs.setdefault("name", "Probe agent")
        kwargs.setdefault("model", self.sdk_model())
        return Agent(**kwargs)

    def run_config(self, **kwargs: Any) -> RunConfig:
        """A RunConfig that passes namespaced model IDs (`anthropic/...`) to the gateway unchanged."""
        provider = MultiProvider(
            openai_client=self.client,
            unknown_prefix_mode="model_id",
            openai_prefix_mode="model_id",
        )
        return RunConfig(model_provider=provider, tracing_disabled=True, **kwargs)

    # verdict helpers -----------------------------------------------------------------------------------------
    def rejected(
        self,
        err: openai.APIStatusError | httpx2.Response,
        *,
        mentions: str | None = None,
        statuses: tuple[int, ...] = (400, 404, 422, 501),
    ) -> Observed:
        """Check that a rejection is clean: a 4xx (or 501) with the OpenAI error envelope, whose message names
        `mentions` when given. Returns Observed.REJECTED, or raises ProbeFailure describing what is unclean."""
        response = err.response if isinstance(err, openai.APIStatusError) else err
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        received = f"HTTP {status} {response.text[:300]!r}"
        if status not in statuses:
            raise ProbeFailure(
                "the gateway did not reject the request cleanly",
                expected=f"HTTP {' or '.join(map(str, statuses))} with an OpenAI error envelope",
                received=received,
            )
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or not isinstance(error.get("message"), str) or not error.get("type"):
            raise ProbeFailure(
                "the rejection is not an OpenAI error envelope",
                expected='{"error": {"type", "message", "param", "code"}}',
                received=received,
            )
        if mentions and mentions.lower() not in error["message"].lower():
            raise ProbeFailure(
                "the rejection does not name what was rejected",
                expected=f"an error message naming {mentions!r}",
                received=repr(error["message"]),
            )
        self.notes["rejection"] = error
        return Observed.REJECTED

    def defer(self, cleanup: Callable[[], Awaitable[Any]]) -> None:
        """Register an async cleanup (e.g. delete a created resource) run after the probe, even if it failed."""
        self._cleanups.append(cleanup)

    async def close(self) -> None:
        for cleanup in reversed(self._cleanups):
            try:
                await cleanup()
            except Exception:
                pass
        await self.client.close()


def require(condition: object, message: str, *, expected: object = "", received: object = "", where: str = "") -> None:
    """Raise ProbeFailure(message) unless `condition` holds."""
    if not condition:
        raise ProbeFailure(message, expected=str(expected)[:500], received=str(received)[:500], where=where)
