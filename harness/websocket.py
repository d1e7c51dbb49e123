"""The Responses websocket transport as a probe uses it: sockets, each a series of `response.create` turns.

vcrpy cannot record websockets, so every turn (the frame sent and the frames received up to a terminal event or an
`error`) is kept as evidence beside the probe's cassette, and a replay answers from it, turn by turn, connection by
connection: a probe does not know whether it is replayed. The runner also turns each recorded turn into an
`Exchange`, so the wire judge re-judges the frames with the stream rules, live and on replay alike.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK
from websockets.frames import Close

from harness.evidence import Evidence
from harness.model import ProbeFailure, ProbeSkip
from harness.wire import Exchange, SSEEvent, SSEParse

KEY = "websocket"
UNTIL = ("response.completed", "response.failed", "response.incomplete", "error")


class Socket:
    """One connection: `turn(frame)` sends a frame and returns the events that answer it."""

    def __init__(self, path: str, connection: int, turns: list[dict[str, Any]], live: Any = None) -> None:
        self.path, self.connection, self._turns, self._live = path, connection, turns, live
        self._replayed = [t for t in turns if t["connection"] == connection] if live is None else []

    async def turn(self, frame: dict[str, Any] | str, *, until: tuple[str, ...] = UNTIL) -> list[dict[str, Any]]:
        sent = frame if isinstance(frame, str) else json.dumps(frame)
        if self._live is None:
            if not self._replayed:
                raise ProbeSkip("replay: the recorded evidence holds no further websocket turn on this connection")
            recorded = self._replayed.pop(0)
            if recorded["sent"] != sent:
                raise ProbeFailure(
                    "replay: the probe sent a websocket frame the evidence does not hold",
                    expected=recorded["sent"][:200],
                    received=sent[:200],
                )
            if recorded.get("closed"):
                raise _closed_from(recorded["closed"])
            return list(recorded["received"])
        received: list[dict[str, Any]] = []
        turn = {"connection": self.connection, "path": self.path, "sent": sent, "received": received}
        try:
            await self._live.send(sent)
            while not received or received[-1].get("type") not in until:
                message = json.loads(await self._live.recv())
                received.append(message if isinstance(message, dict) else {"type": None, "data": message})
        except websockets.ConnectionClosed as exc:
            # The server closed the socket in the middle of the turn: kept, so that a replay raises the same.
            self._turns.append({**turn, "closed": _close_record(exc)})
            raise
        self._turns.append(turn)
        return list(received)


def _close_record(exc: websockets.ConnectionClosed) -> dict[str, Any]:
    def frame(close: Close | None) -> list[Any] | None:
        return None if close is None else [close.code, close.reason]

    return {
        "class": type(exc).__name__,
        "rcvd": frame(exc.rcvd),
        "sent": frame(exc.sent),
        "rcvd_then_sent": exc.rcvd_then_sent,
    }


def _closed_from(record: dict[str, Any]) -> websockets.ConnectionClosed:
    """The exception a recorded close raised live, rebuilt from the evidence."""
    kind = {"ConnectionClosedOK": ConnectionClosedOK}.get(record.get("class", ""), ConnectionClosedError)

    def frame(pair: list[Any] | None) -> Close | None:
        return None if pair is None else Close(int(pair[0]), str(pair[1]))

    return kind(frame(record.get("rcvd")), frame(record.get("sent")), record.get("rcvd_then_sent"))


@asynccontextmanager
async def connect(
    url: str, path: str, headers: dict[str, str], evidence: Evidence, *, connection: int
) -> AsyncIterator[Socket]:
    """The probe's `connection`-th socket to `url` (ws:// or wss://), recording into (or replaying from) `evidence`."""
    turns: list[dict[str, Any]] = evidence.series(KEY)
    if evidence.replaying:
        yield Socket(path, connection, turns)
        return
    async with websockets.connect(url, additional_headers=headers) as live:
        yield Socket(path, connection, turns, live)


def exchanges(evidence: Evidence, first_index: int) -> list[Exchange]:
    """Each recorded turn as an Exchange the judge reads: the frame as the request, the events as a stream."""
    out = []
    for n, turn in enumerate(evidence.slots.get(KEY) or []):
        try:
            request = json.loads(turn["sent"])
        except ValueError:
            request = None
        events = turn["received"]
        if turn.get("closed"):
            continue  # the socket closed mid-turn: the probe fails on that, and there is no whole stream to judge
        if events and events[-1].get("type") == "error":
            continue  # an error frame is the websocket's envelope, judged by the probe, not a Responses stream
        payload = {k: v for k, v in request.items() if k != "type"} if isinstance(request, dict) else None
        parse = SSEParse(
            events=[SSEEvent(i, e.get("type"), json.dumps(e), e) for i, e in enumerate(events)],
            done=True,  # a websocket turn has no [DONE]: its end is the terminal event, so none is missing
        )
        out.append(
            Exchange(
                index=first_index + n,
                method="POST",
                url=f"ws:{turn['path']}",
                path=turn["path"],
                query="",
                request_headers={},
                request_body=turn["sent"],
                request_json={**payload, "stream": True} if payload is not None else None,
                status=200,
                response_headers={"content-type": ["text/event-stream"]},
                content_type="text/event-stream",
                body="",
                response_json=None,
                sse=parse,
            )
        )
    return out


class SdkConnection:
    """What the Agents SDK's websocket model talks to (`send`, `recv`, `close`), over a recorded `Socket`: a sent
    frame is one turn, whose events `recv` then hands out one at a time."""

    def __init__(self, socket: Socket, close: Any) -> None:
        self._socket, self._close, self._pending = socket, close, list[dict[str, Any]]()
        self.closed = False

    async def send(self, frame: str | bytes) -> None:
        # A copy: the turn's own list is the evidence, which must keep every event.
        self._pending = list(await self._socket.turn(frame.decode() if isinstance(frame, bytes) else frame))

    async def recv(self) -> str:
        return json.dumps(self._pending.pop(0))

    async def close(self, *args: Any, **kwargs: Any) -> None:
        if not self.closed:
            self.closed = True
            await self._close()
