"""What a probe gets to work with: clients bound to the target, rejection checks, helpers for the Agents SDK."""

from __future__ import annotations

import functools
import logging
import ssl
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from typing import Any
from unittest.mock import patch

import httpx2
import openai
from agents import Agent, MultiProvider, OpenAIResponsesModel, RunConfig, set_tracing_disabled
from agents.models.openai_responses import OpenAIResponsesWSModel

from harness.evidence import Evidence
from harness.model import NOT_AN_ENVELOPE, Expect, ModelDeviation, Probe, ProbeFailure, Rejection
from harness.targets import Target
from harness.websocket import SdkConnection
from harness.websocket import connect as ws_connect


def quiet_agents_sdk() -> None:
    """What a probe run needs from the Agents SDK's globals: no trace export, and its logger silenced (it logs every
    failed model call; a rejection is an expected outcome here, and the verdict reports it). Called when a probe is
    about to run (`run_probe`, and the pytest plugin's hooks given --gateway-url), never on import."""
    set_tracing_disabled(True)
    logging.getLogger("openai.agents").setLevel(logging.CRITICAL)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One default TLS context for every client the probes make: loading the CA store costs about 25 ms, which
    every new client would otherwise pay again (half the time of a replay went there)."""
    return ssl.create_default_context()


class ProbeContext:
    """Built by the runner for one (probe, target) pair. Every HTTP call made through it is recorded.

    `evidence` (harness/evidence.py) keeps what vcrpy cannot record (websocket frames, bodies too large for a
    cassette): a `Recorder` live, which the runner saves beside the cassette; a `Replayer` on replay, which answers
    from what was kept. Probes see the same calls either way.
    """

    def __init__(self, probe: Probe, target: Target, evidence: Evidence) -> None:
        self.probe = probe
        self.target = target
        self.model = target.model
        self.expectation: Expect = target.expectation(probe)
        self.client = self.new_client()
        self.evidence = evidence
        self._cleanups: list[Callable[[], Awaitable[Any]]] = []
        self._sockets = 0  # websocket connections opened so far (their order is how a replay finds their turns)

    # clients -------------------------------------------------------------------------------------------------
    def _auth_headers(self, api_key: str | None) -> dict[str, str]:
        key = self.target.key() if api_key is None else api_key
        if self.target.auth_header and key:
            return {self.target.auth_header: key}
        return {"Authorization": f"Bearer {key}"} if key else {}

    def new_client(self, *, api_key: str | None = None, base_url: str | None = None) -> openai.AsyncOpenAI:
        """An openai client for the target (max_retries=0). `api_key` overrides the target's key, `base_url` its
        URL (one of its `base_urls`)."""
        key = self.target.key() if api_key is None else api_key
        headers = dict(self.target.headers)
        if self.target.auth_header:
            headers.update(self._auth_headers(key))
        return openai.AsyncOpenAI(
            base_url=base_url or self.target.base_url,
            api_key=key or "missing",
            max_retries=0,
            timeout=self.target.timeout,
            default_headers=headers,
            http_client=openai.DefaultAsyncHttpxClient(verify=tls_context(), timeout=self.target.timeout),
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
        async with httpx2.AsyncClient(timeout=self.target.timeout, verify=tls_context()) as client:
            response = await client.request(method, url, json=json, content=content, headers=all_headers)
            await response.aread()
            return response

    def websocket(
        self, path: str = "/responses", headers: dict[str, str] | None = None, *, base_url: str | None = None
    ) -> Any:
        """`async with ctx.websocket() as ws: events = await ws.turn(frame)`: a socket on `base_url + path`, every
        turn kept in `evidence` (and answered from it on replay; see harness/websocket.py)."""
        url = (base_url or self.target.base_url).replace("https://", "wss://", 1).replace("http://", "ws://", 1).rstrip(
            "/"
        ) + path
        all_headers = {**self.target.headers, **self._auth_headers(None), **(headers or {})}
        self._sockets += 1
        return ws_connect(url, path, all_headers, self.evidence, connection=self._sockets - 1)

    async def websocket_turn(
        self, path: str, frame: dict[str, Any], *, until: tuple[str, ...], headers: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """One turn on a fresh socket: the events received up to the first whose `type` is in `until`."""
        async with self.websocket(path, headers) as socket:
            events: list[dict[str, Any]] = await socket.turn(frame, until=until)
            return events

    @contextmanager
    def sdk_websockets(self) -> Iterator[None]:
        """While open, the Agents SDK's websocket transport (`responses_websocket_session`,
        `OpenAIResponsesWSModel`) talks through this context's recorded sockets, so its frames are evidence too."""
        ctx = self

        async def open_recorded(model: Any, ws_url: str, headers: Any, *, connect_timeout: float | None) -> Any:
            path = "/" + ws_url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            stack = AsyncExitStack()
            ctx._sockets += 1
            socket = await stack.enter_async_context(
                ws_connect(ws_url, path, dict(headers), ctx.evidence, connection=ctx._sockets - 1)
            )
            ctx._cleanups.append(stack.aclose)
            return SdkConnection(socket, stack.aclose)

        with patch.object(OpenAIResponsesWSModel, "_open_websocket_connection", open_recorded):
            yield

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
    ) -> Rejection:
        """Check that a rejection is clean: a 4xx (or 501) with the OpenAI error envelope, whose message names
        `mentions` when given. Returns the Rejection (status and envelope), which a probe returns as its
        observation; or raises ProbeFailure describing what is unclean."""
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
                NOT_AN_ENVELOPE,
                expected='{"error": {"type", "message", "param", "code"}}',
                received=received,
            )
        if mentions and mentions.lower() not in error["message"].lower():
            raise ProbeFailure(
                "the rejection does not name what was rejected",
                expected=f"an error message naming {mentions!r}",
                received=repr(error["message"]),
            )
        code, param = error.get("code"), error.get("param")
        return Rejection(
            status=status,
            message=error["message"],
            type=str(error["type"]),
            code=None if code is None else str(code),
            param=None if param is None else str(param),
        )

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


def require_model(
    condition: object, message: str, *, expected: object = "", received: object = "", where: str = ""
) -> None:
    """Raise ModelDeviation(message) unless `condition` holds: a check on what the model chose to answer (the word
    asked for, the tool called, the code word recalled), which a real model may fail with the gateway intact."""
    if not condition:
        raise ModelDeviation(message, expected=str(expected)[:500], received=str(received)[:500], where=where)
