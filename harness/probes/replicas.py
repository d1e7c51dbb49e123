"""state.replicas: one gateway deployed as several replicas (a target's `base_urls: [A, B]`) serves one client as
one gateway. What one replica stored, another retrieves, continues, lists and deletes; a websocket's `store: false`
responses stay with their connection. Every probe alternates between the first two base URLs and skips on a
target with one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import openai

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeSkip
from harness.probes._calls import answered, gone, require_appended, require_remembered, require_same_output
from harness.probes._checks import text_of
from harness.probes._registry import bound, probe

QUESTION = f"{phrases.CODE_WORD_QUESTION} Answer with the word only."
Client = openai.AsyncOpenAI
ONE_URL = "the target has one base URL: give `base_urls: [A, B]` (two replicas of the gateway) to probe replicas"


def replicas(ctx: ProbeContext) -> tuple[Client, Client]:
    """Clients for replica A (the first base URL) and replica B (the second)."""
    if ctx.target.unavailable:
        raise ProbeSkip(ctx.target.unavailable)
    urls = ctx.target.base_urls
    if len(urls) < 2:
        raise ProbeSkip(ONE_URL)
    return ctx.new_client(base_url=urls[0]), ctx.new_client(base_url=urls[1])


async def _retrieve(ctx: ProbeContext, a: Client, b: Client) -> Observation:
    created = await a.responses.create(model=ctx.model, input=phrases.exactly("replicated"))
    fetched = await answered(
        b.responses.retrieve(created.id),
        "another replica does not know the stored response",
        refusal=openai.NotFoundError,
    )
    require_same_output(created, fetched, "the output retrieved through the other replica differs")
    return Observed.SUPPORTED


async def _previous_response_id(ctx: ProbeContext, a: Client, b: Client) -> Observation:
    first = await a.responses.create(model=ctx.model, input=phrases.remember("harbour"))
    second = await answered(
        b.responses.create(model=ctx.model, input=QUESTION, previous_response_id=first.id),
        "another replica cannot continue the response",
        expected="200 answering from the earlier turn",
    )
    require_remembered("harbour", text_of(second), "the continued turn lost the history")
    return Observed.SUPPORTED


async def _input_items(ctx: ProbeContext, a: Client, b: Client) -> Observation:
    created = await a.responses.create(model=ctx.model, input=phrases.exactly("listed"))
    listed = await answered(
        b.responses.input_items.list(created.id, order="asc"), "another replica cannot list the response's input items"
    )
    require(len(listed.data) == 1, "the input items differ", expected="1 item", received=f"{len(listed.data)} items")
    return Observed.SUPPORTED


async def _delete(ctx: ProbeContext, a: Client, b: Client) -> Observation:
    created = await a.responses.create(model=ctx.model, input=phrases.exactly("deleted"))
    await answered(b.responses.delete(created.id), "another replica cannot delete the response")
    return await gone(
        a.responses.retrieve(created.id), "the replica that made the response still has it after deletion"
    )


async def _conversation(ctx: ProbeContext, a: Client, b: Client) -> Observation:
    conv = await a.conversations.create(
        items=[{"type": "message", "role": "user", "content": phrases.remember("compass")}]
    )
    ctx.defer(lambda: a.conversations.delete(conv.id))
    response = await answered(
        b.responses.create(model=ctx.model, input=QUESTION, conversation=conv.id),
        "another replica cannot use the conversation",
    )
    require_remembered("compass", text_of(response), "the conversation's items were lost")
    await require_appended(a, conv.id, "the turn taken through the other replica was not appended")
    return Observed.SUPPORTED


async def _websocket_store_false(ctx: ProbeContext, _: Client, b: Client) -> Observation:
    first_url, second_url = ctx.target.base_urls[:2]
    frame = {"type": "response.create", "model": ctx.model, "store": False}
    async with ctx.websocket(base_url=first_url) as ws:
        events = await ws.turn({**frame, "input": phrases.remember("lighthouse")})
        created = next((e["response"] for e in events if e.get("type") == "response.completed"), None)
        require(created is not None, "the first turn did not complete", received=[e.get("type") for e in events])
        assert created is not None
        again = await ws.turn({**frame, "input": QUESTION, "previous_response_id": created["id"]})
        done = next((e["response"] for e in again if e.get("type") == "response.completed"), None)
        require(done is not None, "the connection could not continue its own response", received=again[-1:])
    async with ctx.websocket(base_url=second_url) as other:
        elsewhere = await other.turn({**frame, "input": QUESTION, "previous_response_id": created["id"]})
    error = next((e for e in elsewhere if e.get("type") == "error"), None)
    code = (error or {}).get("error", {}).get("code")
    require(
        code == "previous_response_not_found",
        "another replica's connection did not refuse the connection-local response",
        expected="an error frame with code previous_response_not_found",
        received=elsewhere[-1:],
    )
    # Nor is it stored anywhere (this recorded request also gives the probe its cassette).
    return await gone(
        b.responses.retrieve(created["id"]),
        "a `store: false` response is retrievable through another replica",
        received="",
    )


@dataclass(frozen=True)
class ReplicaCase:
    """One replica probe: its body is given replica A's client and replica B's."""

    id: str
    requirement: str
    run: Callable[[ProbeContext, Client, Client], Awaitable[Observation]]


async def run_case(ctx: ProbeContext, case: ReplicaCase) -> Observation:
    """The one runner of the replica cases: skips on a target with one base URL."""
    return await case.run(ctx, *replicas(ctx))


CASES = (
    ReplicaCase(
        "state.replicas.retrieve",
        "A response created through one replica MUST be retrievable through another, with the same output.",
        _retrieve,
    ),
    ReplicaCase(
        "state.replicas.previous_response_id",
        "A response created through one replica MUST be continued with previous_response_id through another.",
        _previous_response_id,
    ),
    ReplicaCase(
        "state.replicas.input_items",
        "The input items of a response created through one replica MUST be listed through another.",
        _input_items,
    ),
    ReplicaCase(
        "state.replicas.delete",
        "A response deleted through one replica MUST be gone (404) through every other.",
        _delete,
    ),
    ReplicaCase(
        "state.replicas.conversation",
        "A conversation created through one replica MUST be used, appended to and listed through another.",
        _conversation,
    ),
    ReplicaCase(
        "state.replicas.websocket_store_false",
        "A websocket's `store: false` response MUST be continued on its own connection, and another replica MUST "
        "answer previous_response_not_found for it (and 404 to retrieve it).",
        _websocket_store_false,
    ),
)
for _case in CASES:
    probe(_case.id, _case.requirement, feature="replicas")(bound(run_case, _case, _case.run.__name__.lstrip("_")))
