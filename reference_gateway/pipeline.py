"""The one request pipeline every transport shares (JSON, SSE, websocket): a request is parsed once into a frozen
`Turn`, then capability check -> state -> forward or translate -> record. It reads the Turn, never the HTTP request;
routes only parse, call it, and wrap what it returns as JSON, SSE or websocket frames.

Upstream faults are raised as `UpstreamError` (named after the route's provider) for the app's exception handler;
once a stream has started they end it in `response.failed` instead. Nothing failed or half-written is recorded.

Durability: a completed response is stored before anything says so. The JSON answer and a stream's terminal event
are held until the write has committed; a write that fails is a 503 `storage_unavailable` (JSON) or ends the
stream in `response.failed` instead of `response.completed`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from starlette.concurrency import run_in_threadpool

from reference_gateway import capabilities, state
from reference_gateway.errors import GatewayError, StorageUnavailable, not_found
from reference_gateway.gateway import Gateway, Route, valid_model_name
from reference_gateway.ids import with_ids
from reference_gateway.providers.base import ChatProvider, NativeProvider, UpstreamError
from reference_gateway.providers.upstream import on_behalf_of
from reference_gateway.storage import call
from reference_gateway.translate.compaction import compaction_response, summary_request
from reference_gateway.translate.request import normalize_input, responses_to_chat
from reference_gateway.translate.response import chat_to_response
from reference_gateway.translate.stream import ResponsesStream

log = logging.getLogger("reference_gateway")
Item = dict[str, Any]
Event = dict[str, Any]
T = TypeVar("T")
TERMINAL = ("response.completed", "response.failed", "response.incomplete")
INLINE_WRITE_BYTES = 64 * 1024


@dataclass
class Session:
    """What one websocket connection keeps: its `store: false` responses (snapshot, input items) by id, so that
    they can be continued on it and nowhere else. Gone with the connection."""

    responses: dict[str, tuple[dict[str, Any], list[Item]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Turn:
    """One request, parsed once: who asks, which route, what was sent, and what goes upstream."""

    owner: str
    route: Route
    payload: dict[str, Any]  # as the client sent it, every field checked
    conversation: str | None
    input: list[Item]  # this request's own input items
    items: list[Item]  # what the upstream is given: the history the request names, then its input
    session: Session | None = None
    local_previous: str | None = None  # a previous_response_id resolved from the session, not forwarded
    request_bytes: int | None = None  # the request's size as received, when the transport knows it

    @property
    def stream(self) -> bool:
        return bool(self.payload.get("stream"))


def route_of(gateway: Gateway, payload: dict[str, Any]) -> Route:
    model = payload.get("model")
    if not model or not isinstance(model, str):
        raise GatewayError(400, "Missing required parameter: 'model'.", param="model")
    found = gateway.route(model)
    if found is None:
        raise not_found(
            f"The model '{model}' does not exist or is not routed by this gateway.",
            param="model",
            code="model_not_found",
        )
    if not valid_model_name(found.provider.settings.type, found.upstream_model):
        raise GatewayError(
            400,
            f"Invalid model name '{model}': a model name is letters, digits and . _ - (and : @ + / where the "
            "provider allows them), with no path, query or fragment.",
            param="model",
            code="invalid_model",
        )
    return found


async def begin(
    gateway: Gateway,
    owner: str,
    payload: dict[str, Any],
    *,
    session: Session | None = None,
    request_bytes: int | None = None,
) -> Turn:
    """Parse a Responses request into a Turn: route, capability check, then the history it names (read off the
    event loop: a stored chain may be long)."""
    route = route_of(gateway, payload)
    capabilities.check(route.provider.settings, route.upstream_model, payload)
    mode = "forward" if route.native else "replay"
    local = session.responses if session is not None else None
    previous = state.previous_id(payload)
    if previous is None and state.conversation_id(payload) is None:
        items = state.expand_input(gateway.storage, owner, payload, mode=mode)  # no history: nothing to read
    else:  # a stored chain or a conversation may be long: read it off the event loop
        items = await run_in_threadpool(state.expand_input, gateway.storage, owner, payload, mode=mode, local=local)
    return Turn(
        owner=owner,
        route=route,
        payload=payload,
        conversation=state.conversation_id(payload),
        input=normalize_input(payload),
        items=items,
        session=session,
        local_previous=previous if local is not None and previous in local else None,
        request_bytes=request_bytes,
    )


# upstream calls --------------------------------------------------------------------------------------------------
@contextmanager
def _named(turn: Turn) -> Iterator[None]:
    """Name the caller for the upstream client (each key has its share of a provider's pool), and the provider in
    any upstream fault, so the envelope can say whose it was."""
    try:
        with on_behalf_of(turn.owner):
            yield
    except UpstreamError as exc:
        exc.provider = exc.provider or turn.route.name
        raise


async def _within_deadline(gateway: Gateway, call: Awaitable[T]) -> T:
    """An upstream call bounded by the overall deadline: a drip that keeps every read timeout happy still ends."""
    deadline = gateway.config.limits.upstream_deadline
    try:
        async with asyncio.timeout(deadline):
            return await call
    except TimeoutError as exc:
        raise UpstreamError(504, f"upstream did not finish within the gateway's deadline of {deadline:g}s") from exc


async def _primed(gateway: Gateway, source: AsyncIterator[T]) -> AsyncIterator[T]:
    """Pull the first item now (so upstream errors surface before anything is sent), then yield the rest, the
    whole stream within the overall deadline (past it: UpstreamError 504, mid-stream)."""
    deadline = gateway.config.limits.upstream_deadline
    ends = asyncio.get_running_loop().time() + deadline
    iterator = aiter(source)

    async def pull() -> T:
        try:
            async with asyncio.timeout_at(ends):
                return await anext(iterator)
        except TimeoutError as exc:
            raise UpstreamError(504, f"upstream did not finish within the gateway's deadline of {deadline:g}s") from exc

    try:
        first = await pull()
    except StopAsyncIteration as exc:
        raise UpstreamError(502, "upstream stream ended before its first event") from exc

    async def rest() -> AsyncIterator[T]:
        yield first
        while True:
            try:
                item = await pull()
            except StopAsyncIteration:
                return
            yield item

    return rest()


def _native_payload(turn: Turn) -> dict[str, Any]:
    upstream = {**turn.payload, "model": turn.route.upstream_model}
    upstream.pop("stream", None)
    if turn.conversation or turn.local_previous:
        # The conversation and a connection's own responses are the gateway's: their items are already in `items`.
        upstream.pop("conversation", None)
        upstream.pop("previous_response_id", None)
        upstream["input"] = turn.items
    return upstream


def _chat(turn: Turn) -> ChatProvider:
    return cast(ChatProvider, turn.route.provider)


def _native(turn: Turn) -> NativeProvider | None:
    return cast(NativeProvider, turn.route.provider) if turn.route.native else None


# record ------------------------------------------------------------------------------------------------------------
def _as_client_sees(turn: Turn, response: dict[str, Any]) -> dict[str, Any]:
    response["model"] = turn.payload["model"]
    if turn.conversation:
        response["conversation"] = {"id": turn.conversation}
    if turn.local_previous:
        response["previous_response_id"] = turn.local_previous
    return response


async def _claim(gateway: Gateway, turn: Turn, response: dict[str, Any]) -> None:
    if isinstance(response.get("id"), str):
        await call(gateway.storage, gateway.storage.claim, turn.owner, response["id"], turn.route.name)


async def _record(gateway: Gateway, turn: Turn, response: dict[str, Any]) -> None:
    """Keep a completed response: in storage (unless `store: false`) and, on a websocket, in its session."""
    if response.get("status") != "completed":
        _evict(turn)
        return
    if turn.payload.get("store") is not False or turn.conversation:  # else there is nothing to write
        await _write(
            gateway, turn, lambda: state.record(gateway.storage, turn.owner, turn.payload, turn.input, response)
        )
    if turn.session is not None and turn.payload.get("store") is False:
        snapshot = {**response, "previous_response_id": turn.payload.get("previous_response_id")}
        turn.session.responses[response["id"]] = (snapshot, with_ids(turn.input))


async def _write(gateway: Gateway, turn: Turn, write: Callable[[], None]) -> None:
    """A storage write, done before the answer goes out. A small one (the turn's request under
    INLINE_WRITE_BYTES) is done right here when it needs no waiting (no other thread using the storage, SQLite's
    lock free): a WAL append of a few kB takes 50-150 µs, while a hop to a worker thread and back cost 0.3 ms. A
    large one, or one that would wait, goes to a worker thread, so that the event loop never waits on SQLite.
    A write the storage refuses (locked past its busy timeout) is StorageUnavailable: nothing was kept."""
    small = turn.request_bytes is not None and turn.request_bytes <= INLINE_WRITE_BYTES
    try:
        if not (small and gateway.storage.try_now(write)):
            await run_in_threadpool(write)
    except gateway.storage.failures as exc:
        log.warning("response %s not stored: %s", turn.route.name, str(exc)[:200])
        raise StorageUnavailable(exc, "The response", busy=gateway.storage.busy(exc)) from exc


async def _stored(gateway: Gateway, turn: Turn, terminal: Event, response: dict[str, Any]) -> Event:
    """The terminal event, once what it reports is kept (`response`: the response as recorded); if the write
    fails, `response.failed` in its place, with the same sequence number."""
    try:
        await _record(gateway, turn, response)
    except Exception as exc:
        _evict(turn)
        if isinstance(exc, StorageUnavailable):
            message = exc.message
        else:  # the gateway's own fault: one line, as anywhere else
            log.error("recording failed on route %s: %s: %s", turn.route.name, type(exc).__name__, str(exc)[:200])
            message = "The response could not be stored."
        failed = {
            **terminal["response"],
            "status": "failed",
            "completed_at": None,
            "error": {"code": "server_error", "message": message},
        }
        return {"type": "response.failed", "response": failed, "sequence_number": terminal.get("sequence_number")}
    return terminal


def _evict(turn: Turn) -> None:
    """A failed continuation evicts the connection's response it continued: its state can no longer be trusted."""
    if turn.session is not None and turn.local_previous:
        turn.session.responses.pop(turn.local_previous, None)


# create ------------------------------------------------------------------------------------------------------------
async def respond(gateway: Gateway, turn: Turn) -> dict[str, Any]:
    """A whole Response (not streamed)."""
    try:
        with _named(turn):
            native = _native(turn)
            if native is not None:
                result = await _within_deadline(gateway, native.post("/responses", _native_payload(turn)))
            else:
                chat = responses_to_chat(turn.payload, turn.items, model=turn.route.upstream_model, stream=False)
                completion = await _within_deadline(gateway, _chat(turn).complete(chat))
                result = chat_to_response(completion, request=turn.payload)
    except BaseException:
        _evict(turn)
        raise
    result = _as_client_sees(turn, result)
    await _claim(gateway, turn, result)
    await _record(gateway, turn, result)
    return result


async def events(gateway: Gateway, turn: Turn) -> AsyncIterator[Event]:
    """The Responses stream events, primed: an upstream fault before the first event raises here (an error
    envelope); after it, the stream ends in `response.failed`. The terminal event is always last."""
    try:
        with _named(turn):
            native = _native(turn)
            if native is not None:
                upstream = await _primed(gateway, native.stream({**_native_payload(turn), "stream": True}))
                return _native_events(gateway, turn, upstream)
            chat = responses_to_chat(turn.payload, turn.items, model=turn.route.upstream_model, stream=True)
            chunks = await _primed(gateway, _chat(turn).stream(chat))
            return _translated_events(gateway, turn, chunks)
    except BaseException:
        _evict(turn)
        raise


async def _native_events(
    gateway: Gateway, turn: Turn, upstream: AsyncIterator[tuple[str | None, Event]]
) -> AsyncIterator[Event]:
    last_seq = -1
    snapshot: dict[str, Any] = {}
    try:
        async for _, event in upstream:
            if isinstance(event.get("response"), dict):
                if not snapshot:
                    await _claim(gateway, turn, event["response"])
                snapshot = _as_client_sees(turn, event["response"])
            last_seq = int(event.get("sequence_number", last_seq + 1))
            if event.get("type") in TERMINAL:
                terminal = event
                break
            yield event
        else:
            raise UpstreamError(502, "upstream stream ended without a terminal event")
    except Exception as exc:
        _evict(turn)
        fault = _stream_fault(turn, exc)
        failed = {**snapshot, "status": "failed", "error": {"code": failed_code(fault), "message": fault.message}}
        yield {"type": "response.failed", "response": failed, "sequence_number": last_seq + 1}
        return
    yield await _stored(gateway, turn, terminal, terminal["response"])


async def _translated_events(
    gateway: Gateway, turn: Turn, chunks: AsyncIterator[dict[str, Any]]
) -> AsyncIterator[Event]:
    builder = ResponsesStream(request=turn.payload)
    if turn.local_previous:
        builder.request = {**turn.payload, "previous_response_id": turn.local_previous}
    for event in builder.start():
        if event["type"] == "response.created":
            await _claim(gateway, turn, event["response"])
        yield event
    try:
        async for chunk in chunks:
            for event in builder.feed(chunk):
                yield event
        tail = builder.finish()
    except Exception as exc:
        fault = _stream_fault(turn, exc)
        tail = builder.fail(fault.message, failed_code(fault))
    *body, terminal = tail
    for event in body:
        yield event
    if builder.final is None:
        _evict(turn)
        yield terminal
        return
    yield await _stored(gateway, turn, terminal, _as_client_sees(turn, dict(builder.final)))


def failed_code(fault: UpstreamError) -> str:
    """A failed response's `error.code`: one of the codes OpenAI's ResponseError allows."""
    return "rate_limit_exceeded" if fault.status == 429 else "server_error"


def _stream_fault(turn: Turn, exc: Exception) -> UpstreamError:
    """Whatever broke a stream after it started: an UpstreamError is the upstream's fault; anything else is logged
    as the gateway's own, in one line."""
    if isinstance(exc, UpstreamError):
        return exc
    log.error("stream broke on route %s: %s: %s", turn.route.name, type(exc).__name__, str(exc)[:200])
    return UpstreamError(502, "the stream from the upstream could not be translated")


# input_tokens and compact ------------------------------------------------------------------------------------------
async def count_tokens(gateway: Gateway, turn: Turn) -> dict[str, Any]:
    with _named(turn):
        native = _native(turn)
        if native is not None:
            return await _within_deadline(gateway, native.post("/responses/input_tokens", _native_payload(turn)))
        capabilities.check_operation(turn.route.provider.settings, turn.route.upstream_model, "input_tokens")
        chat = responses_to_chat(turn.payload, turn.items, model=turn.route.upstream_model, stream=False)
        count = await _within_deadline(gateway, _chat(turn).count_tokens(chat))
    return {"object": "response.input_tokens", "input_tokens": count}


async def compact(gateway: Gateway, turn: Turn) -> dict[str, Any]:
    with _named(turn):
        native = _native(turn)
        if native is not None:
            return await _within_deadline(gateway, native.post("/responses/compact", _native_payload(turn)))
        capabilities.check_operation(turn.route.provider.settings, turn.route.upstream_model, "compact")
        payload, items = summary_request(turn.payload, turn.items)
        chat = responses_to_chat(payload, items, model=turn.route.upstream_model, stream=False)
        completion = await _within_deadline(gateway, _chat(turn).complete(chat))
    return compaction_response(turn.items, chat_to_response(completion, request=turn.payload))
