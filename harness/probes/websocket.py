"""transport.websocket(.*): the transport is MAY, but once a gateway accepts the upgrade its semantics are MUST:
responses in order on one socket, continuation by previous_response_id, `store: false` responses kept for the
connection's lifetime only, a failed continuation evicting what it continued, compaction starting a new chain, and
the Agents SDK's own websocket session working through it. A refused upgrade is a clean rejection (either)."""

from __future__ import annotations

import base64
import os
from typing import Any

from agents import Agent, responses_websocket_session

from harness import phrases
from harness.context import ProbeContext, require, require_model
from harness.model import Expect, Level, Observation, Observed, ProbeFailure, ProbeSkip, Rejection
from harness.probes._registry import E, probe

REFUSALS = (400, 403, 404, 405, 426, 501)


async def _refused(ctx: ProbeContext) -> Rejection | None:
    """None when the upgrade is accepted (101); the clean rejection when it is refused; else a ProbeFailure."""
    key = base64.b64encode(os.urandom(16)).decode()  # cassettes are matched without headers
    upgrade = {"connection": "Upgrade", "upgrade": "websocket", "sec-websocket-version": "13", "sec-websocket-key": key}
    response = await ctx.http("GET", "/responses", headers=upgrade)
    if response.status_code == 101:
        return None
    if response.status_code in REFUSALS:
        return ctx.rejected(response, statuses=REFUSALS)
    raise ProbeFailure(
        "the websocket upgrade was neither accepted nor refused cleanly",
        expected="101, or a 4xx/501 error envelope",
        received=f"HTTP {response.status_code}",
    )


def _create(ctx: ProbeContext, text: str | list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"type": "response.create", "model": ctx.model, "input": text, **fields}


def _completed(events: list[dict[str, Any]], what: str) -> dict[str, Any]:
    """The final response of a turn that must have completed."""
    last = events[-1] if events else {}
    # Cut at the model's own output limit: a real model may ramble; the scripted one never does.
    require_model(
        last.get("type") != "response.incomplete",
        f"{what}: the model ran to its output limit (response.incomplete)",
        expected="a response.completed event, last",
        received=(last.get("response") or {}).get("incomplete_details"),
    )
    require(
        last.get("type") == "response.completed",
        f"{what}: the turn did not complete",
        expected="a response.completed event, last",
        received=last.get("error") or [e.get("type") for e in events[-4:]],
    )
    response: dict[str, Any] = last["response"]
    return response


def _text(response: dict[str, Any]) -> str:
    return "".join(
        str(part.get("text", ""))
        for item in response.get("output") or []
        if item.get("type") == "message"
        for part in item.get("content") or []
    )


def _state_refused(ctx: ProbeContext, events: list[dict[str, Any]], feature: str, param: str) -> None:
    """Where the target refuses `feature` (its `features:` say so) and the turn was refused cleanly for it, the
    semantics under test do not apply: skip, saying why. An unclean refusal fails."""
    last = events[-1] if events else {}
    if last.get("type") != "error" or ctx.target.expects(feature) is not Expect.REJECTED:
        return
    error: dict[str, Any] = last["error"] if isinstance(last.get("error"), dict) else {}
    require(
        isinstance(last.get("status"), int)
        and 400 <= last["status"] < 500
        and isinstance(error.get("message"), str)
        and param in error["message"],
        f"the refusal of {param} on the socket is not a clean error event",
        expected=f'{{"type": "error", "status": 4xx, "error": {{"message" naming {param}}}}}',
        received=last,
    )
    raise ProbeSkip(f"{feature} is rejected by this target, cleanly; its websocket semantics do not apply")


def _not_found(events: list[dict[str, Any]], response_id: str, why: str) -> None:
    last = events[-1] if events else {}
    error = last.get("error") if isinstance(last.get("error"), dict) else {}
    require(
        last.get("type") == "error" and error.get("code") == "previous_response_not_found",
        why,
        expected=f"an error event with code previous_response_not_found for {response_id}",
        received=last.get("error") or last.get("type"),
    )


@probe(
    "transport.websocket",
    "The Responses websocket transport MAY work (a response.create frame answered with "
    "Responses events) or the upgrade MUST be refused cleanly.",
    feature="transport.websocket",
    native=E,
    chat=E,
    level=Level.MAY,
)
async def websocket(ctx: ProbeContext) -> Observation:
    if (refused := await _refused(ctx)) is not None:
        return refused
    async with ctx.websocket() as socket:
        _completed(await socket.turn(_create(ctx, phrases.exactly("ok"))), "the websocket turn")
    return Observed.SUPPORTED


@probe(
    "transport.websocket.sequence",
    "Once the upgrade is accepted, several response.create frames on one socket MUST each be answered, in order, "
    "with a whole Responses event stream.",
    feature="transport.websocket",
    native=E,
    chat=E,
)
async def sequence(ctx: ProbeContext) -> Observation:
    if (refused := await _refused(ctx)) is not None:
        return refused
    words = ["one", "two", "three"]
    async with ctx.websocket() as socket:
        answers = [_text(_completed(await socket.turn(_create(ctx, phrases.exactly(w))), w)) for w in words]
    require_model(answers == words, "the answers did not come back in order", expected=words, received=answers)
    return Observed.SUPPORTED


@probe(
    "transport.websocket.continuation",
    "A response.create frame with previous_response_id MUST continue that response on the socket.",
    feature="transport.websocket",
    native=E,
    chat=E,
)
async def continuation(ctx: ProbeContext) -> Observation:
    if (refused := await _refused(ctx)) is not None:
        return refused
    async with ctx.websocket() as socket:
        first = _completed(await socket.turn(_create(ctx, phrases.remember("larch"))), "first turn")
        follow = await socket.turn(_create(ctx, phrases.CODE_WORD_QUESTION, previous_response_id=first["id"]))
    _state_refused(ctx, follow, "state.previous_response_id", "previous_response_id")
    answer = _text(_completed(follow, "continuation"))
    require_model("larch" in answer, "the continuation lost the earlier turn", expected="larch", received=answer)
    return Observed.SUPPORTED


@probe(
    "transport.websocket.store_false",
    "A store: false response MUST be continuable on the socket that made it, and only there: after a reconnect "
    "its id is previous_response_not_found.",
    feature="transport.websocket",
    native=E,
    chat=E,
)
async def store_false(ctx: ProbeContext) -> Observation:
    if (refused := await _refused(ctx)) is not None:
        return refused
    async with ctx.websocket() as socket:
        kept = _completed(await socket.turn(_create(ctx, phrases.remember("hazel"), store=False)), "first turn")
        follow = await socket.turn(_create(ctx, phrases.CODE_WORD_QUESTION, previous_response_id=kept["id"]))
    _state_refused(ctx, follow, "state.previous_response_id", "previous_response_id")
    answer = _text(_completed(follow, "continuation on the same socket"))
    require(
        "hazel" in answer, "the store: false response was not kept for its socket", expected="hazel", received=answer
    )
    async with ctx.websocket() as socket:
        again = await socket.turn(_create(ctx, phrases.CODE_WORD_QUESTION, previous_response_id=kept["id"]))
    _not_found(again, kept["id"], "a store: false response outlived its socket")
    return Observed.SUPPORTED


@probe(
    "transport.websocket.evict",
    "A continuation that fails MUST evict the response it continued from the socket: continuing it again is "
    "previous_response_not_found.",
    feature="transport.websocket",
    native=E,
    chat=E,
)
async def evict(ctx: ProbeContext) -> Observation:
    if (refused := await _refused(ctx)) is not None:
        return refused
    async with ctx.websocket() as socket:
        kept = _completed(await socket.turn(_create(ctx, phrases.remember("alder"), store=False)), "first turn")
        probe_turn = await socket.turn(
            _create(ctx, phrases.exactly("still"), previous_response_id=kept["id"], store=False)
        )
        _state_refused(ctx, probe_turn, "state.previous_response_id", "previous_response_id")
        kept = _completed(probe_turn, "continuation on the same socket")
        # A function tool without a name: every Responses server refuses it.
        broken = _create(ctx, phrases.CODE_WORD_QUESTION, previous_response_id=kept["id"], tools=[{"type": "function"}])
        failed = await socket.turn(broken)
        require(
            failed[-1].get("type") in ("error", "response.failed"),
            "an invalid continuation did not fail",
            expected="an error event",
            received=failed[-1].get("type"),
        )
        again = await socket.turn(_create(ctx, phrases.CODE_WORD_QUESTION, previous_response_id=kept["id"]))
    _not_found(again, kept["id"], "a failed continuation left the response it continued in the socket's cache")
    return Observed.SUPPORTED


@probe(
    "transport.websocket.compact",
    "The output of compact MUST start a new chain on the socket: given as input, it carries what it summarised.",
    feature="transport.websocket",
    native=E,
    chat=E,
)
async def compact(ctx: ProbeContext) -> Observation:
    if (refused := await _refused(ctx)) is not None:
        return refused
    said = [{"type": "message", "role": "user", "content": phrases.remember("rowan")}]
    compacted = await ctx.http("POST", "/responses/compact", json={"model": ctx.model, "input": said})
    if compacted.status_code != 200:
        rejection = ctx.rejected(compacted, statuses=(400, 404, 501))
        raise ProbeSkip(f"compact is refused by this target (HTTP {rejection.status}); nothing to continue from")
    output = compacted.json().get("output") or []
    question = {"type": "message", "role": "user", "content": phrases.CODE_WORD_QUESTION}
    async with ctx.websocket() as socket:
        after = _completed(await socket.turn(_create(ctx, [*output, question])), "turn after compact")
    require("rowan" in _text(after), "the compacted chain forgot its history", expected="rowan", received=_text(after))
    return Observed.SUPPORTED


@probe(
    "transport.websocket.agents_sdk",
    "The Agents SDK's websocket session (responses_websocket_session) MUST run through the gateway, runs chained "
    "by previous_response_id on one socket.",
    feature="transport.websocket",
    native=E,
    chat=E,
)
async def agents_sdk(ctx: ProbeContext) -> Observation:
    if (refused := await _refused(ctx)) is not None:
        return refused
    # Chained by previous_response_id where the target keeps state; else two runs in a row on the socket.
    chained = ctx.target.expects("state.previous_response_id") is not Expect.REJECTED
    with ctx.sdk_websockets():
        async with responses_websocket_session(
            api_key=ctx.target.key() or "missing",
            base_url=ctx.target.base_url,
            openai_prefix_mode="model_id",
            unknown_prefix_mode="model_id",
        ) as session:
            agent = Agent(name="Socket", model=ctx.model)
            if chained:
                first = await session.run(agent, phrases.remember("spruce"))
                later = await session.run(
                    agent, phrases.CODE_WORD_QUESTION, previous_response_id=first.last_response_id
                )
                expected = "spruce"
            else:
                await session.run(agent, phrases.exactly("first"))
                later = await session.run(agent, phrases.exactly("spruce"))
                expected = "spruce"
    answer = str(later.final_output)
    require_model(expected in answer, "the second SDK run on the socket went wrong", expected=expected, received=answer)
    return Observed.SUPPORTED
