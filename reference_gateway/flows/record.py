"""Keeping what a turn produced, as both flows do it: the id claimed for the caller's key, a completed response
stored before anything says so (or kept on its websocket connection for `store: false`), nothing failed or
half-written kept, and a failed continuation evicting the connection's response it continued.

The JSON answer and a stream's terminal event are held until the write has committed; a write that fails is a 503
`storage_unavailable` (JSON) or ends the stream in `response.failed` instead of `response.completed`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from reference_gateway import state
from reference_gateway.errors import StorageUnavailable
from reference_gateway.ids import with_ids
from reference_gateway.storage import call

if TYPE_CHECKING:
    from reference_gateway.gateway import Gateway
    from reference_gateway.turn import Turn

log = logging.getLogger("reference_gateway")
Event = dict[str, Any]
INLINE_WRITE_BYTES = 64 * 1024


def as_client_sees(turn: Turn, response: dict[str, Any]) -> dict[str, Any]:
    """The response under the names the client used: its model name, its conversation, the connection's own
    `previous_response_id` (the upstream was given the history instead)."""
    response["model"] = turn.payload["model"]
    if turn.conversation:
        response["conversation"] = {"id": turn.conversation}
    if turn.local_previous:
        response["previous_response_id"] = turn.local_previous
    return response


async def claim(gateway: Gateway, turn: Turn, response: dict[str, Any]) -> None:
    if isinstance(response.get("id"), str):
        await call(gateway.storage, gateway.storage.claim, turn.owner, response["id"], turn.route.name)


async def record(gateway: Gateway, turn: Turn, response: dict[str, Any]) -> None:
    """Keep a finished response (state.FINISHED: completed, or incomplete at an output limit): in storage (unless
    `store: false`) and, on a websocket, in its session."""
    if response.get("status") not in state.FINISHED:
        evict(turn)
        return
    if turn.store or turn.conversation:  # else there is nothing to write
        await write(gateway, turn, lambda: state.record(gateway.storage, turn, response))
    if turn.session is not None and not turn.store:
        snapshot = {**response, "previous_response_id": turn.previous}
        turn.session.responses[response["id"]] = (snapshot, with_ids(turn.input))


async def write(gateway: Gateway, turn: Turn, work: Callable[[], None]) -> None:
    """A storage write, done before the answer goes out. A small one (the turn's request under
    INLINE_WRITE_BYTES) is done right here when it needs no waiting (no other thread using the storage, SQLite's
    lock free): a WAL append of a few kB takes 50-150 µs, while a hop to a worker thread and back cost 0.3 ms. A
    large one, or one that would wait, goes to a worker thread, so that the event loop never waits on SQLite.
    A write the storage refuses (locked past its busy timeout) is StorageUnavailable: nothing was kept."""
    small = turn.request_bytes is not None and turn.request_bytes <= INLINE_WRITE_BYTES
    try:
        if not (small and gateway.storage.try_now(work)):
            await run_in_threadpool(work)
    except gateway.storage.failures as exc:
        log.warning("response %s not stored: %s", turn.route.name, str(exc)[:200])
        raise StorageUnavailable(exc, "The response", busy=gateway.storage.busy(exc)) from exc


async def stored(gateway: Gateway, turn: Turn, terminal: Event, response: dict[str, Any]) -> Event:
    """The terminal event, once what it reports is kept (`response`: the response as recorded); if the write
    fails, `response.failed` in its place, with the same sequence number."""
    try:
        await record(gateway, turn, response)
    except Exception as exc:
        evict(turn)
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


def evict(turn: Turn) -> None:
    """A failed continuation evicts the connection's response it continued: its state can no longer be trusted."""
    if turn.session is not None and turn.local_previous:
        turn.session.responses.pop(turn.local_previous, None)
