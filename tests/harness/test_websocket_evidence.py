"""Websocket turns are kept as evidence, replayed turn by turn, and judged by the stream rules like SSE."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness import websocket
from harness.evidence import Paths, Replayer
from harness.judge import judge_exchanges
from harness.model import Level, ProbeFailure, Strictness


def _stream(*, numbered: bool = True) -> list[dict[str, Any]]:
    snapshot = {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "status": "in_progress",
        "model": "m",
        "output": [],
    }
    events = [
        {"type": "response.created", "response": snapshot},
        {"type": "response.completed", "response": {**snapshot, "status": "completed"}},
    ]
    return [{**e, "sequence_number": i} if numbered else e for i, e in enumerate(events)]


def _evidence(events: list[dict[str, Any]]) -> Replayer:
    """What a recording kept: one turn on connection 0 (the cassette itself is not needed to answer from it)."""
    frame = json.dumps({"type": "response.create", "model": "m", "input": "hi"})
    turns = [{"connection": 0, "path": "/responses", "sent": frame, "received": events}]
    return Replayer(Paths(Path("unused/p.yaml")), {websocket.KEY: turns})


def test_a_recorded_turn_is_judged_as_a_stream() -> None:
    broken = websocket.exchanges(_evidence(_stream(numbered=False)), first_index=3)
    assert broken[0].index == 3 and broken[0].request_json["stream"] is True
    rules = {f.rule for f in judge_exchanges(broken, Strictness.OPENAI) if f.level is Level.MUST}
    assert "stream.sequence_number" in rules, rules


def test_an_error_frame_is_left_to_the_probe() -> None:
    error = [{"type": "error", "status": 400, "error": {"code": "x", "message": "no"}}]
    assert websocket.exchanges(_evidence(error), first_index=0) == []


async def test_a_replay_answers_turn_by_turn_and_refuses_another_frame() -> None:
    evidence = _evidence(_stream())
    async with websocket.connect("ws://unused", "/responses", {}, evidence, connection=0) as socket:
        events = await socket.turn({"type": "response.create", "model": "m", "input": "hi"})
        assert [e["type"] for e in events] == ["response.created", "response.completed"]
    async with websocket.connect("ws://unused", "/responses", {}, _evidence(_stream()), connection=0) as s:
        with pytest.raises(ProbeFailure, match="does not hold"):
            await s.turn({"type": "response.create", "model": "m", "input": "something else"})
