"""state.replicas: one gateway deployed as several replicas (a target's `base_urls: [A, B]`) serves one client as
one gateway. What one replica stored, another retrieves, continues, lists and deletes; a websocket's `store: false`
responses stay with their connection. Every probe alternates between the first two base URLs and skips on a
target with one."""

from __future__ import annotations

import openai

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeFailure, ProbeSkip
from harness.probes._checks import text_of
from harness.probes._registry import probe

QUESTION = f"{phrases.CODE_WORD_QUESTION} Answer with the word only."
ONE_URL = "the target has one base URL: give `base_urls: [A, B]` (two replicas of the gateway) to probe replicas"


def replicas(ctx: ProbeContext) -> tuple[openai.AsyncOpenAI, openai.AsyncOpenAI]:
    """Clients for replica A (the first base URL) and replica B (the second)."""
    if ctx.target.unavailable:
        raise ProbeSkip(ctx.target.unavailable)
    urls = ctx.target.base_urls
    if len(urls) < 2:
        raise ProbeSkip(ONE_URL)
    return ctx.new_client(base_url=urls[0]), ctx.new_client(base_url=urls[1])


@probe(
    "state.replicas.retrieve",
    "A response created through one replica MUST be retrievable through another, with the same output.",
    feature="replicas",
)
async def retrieve(ctx: ProbeContext) -> Observation:
    a, b = replicas(ctx)
    created = await a.responses.create(model=ctx.model, input=phrases.exactly("replicated"))
    try:
        fetched = await b.responses.retrieve(created.id)
    except openai.NotFoundError as err:
        raise ProbeFailure(
            "another replica does not know the stored response", expected="200", received=f"404 {err.message}"
        ) from err
    require(fetched.id == created.id, "retrieve returned another response", expected=created.id, received=fetched.id)
    require(
        fetched.output_text == created.output_text,
        "the output retrieved through the other replica differs",
        expected=created.output_text,
        received=fetched.output_text,
    )
    return Observed.SUPPORTED


@probe(
    "state.replicas.previous_response_id",
    "A response created through one replica MUST be continued with previous_response_id through another.",
    feature="replicas",
)
async def previous_response_id(ctx: ProbeContext) -> Observation:
    a, b = replicas(ctx)
    first = await a.responses.create(model=ctx.model, input=phrases.remember("harbour"))
    try:
        second = await b.responses.create(model=ctx.model, input=QUESTION, previous_response_id=first.id)
    except openai.APIStatusError as err:
        raise ProbeFailure(
            "another replica cannot continue the response",
            expected="200 answering from the earlier turn",
            received=f"{err.status_code} {err.message}",
        ) from err
    answer = text_of(second)
    require("harbour" in answer.lower(), "the continued turn lost the history", expected="harbour", received=answer)
    return Observed.SUPPORTED


@probe(
    "state.replicas.input_items",
    "The input items of a response created through one replica MUST be listed through another.",
    feature="replicas",
)
async def input_items(ctx: ProbeContext) -> Observation:
    a, b = replicas(ctx)
    created = await a.responses.create(model=ctx.model, input=phrases.exactly("listed"))
    try:
        listed = await b.responses.input_items.list(created.id, order="asc")
    except openai.APIStatusError as err:
        raise ProbeFailure(
            "another replica cannot list the response's input items",
            expected="200",
            received=f"{err.status_code} {err.message}",
        ) from err
    require(len(listed.data) == 1, "the input items differ", expected="1 item", received=f"{len(listed.data)} items")
    return Observed.SUPPORTED


@probe(
    "state.replicas.delete",
    "A response deleted through one replica MUST be gone (404) through every other.",
    feature="replicas",
)
async def delete(ctx: ProbeContext) -> Observation:
    a, b = replicas(ctx)
    created = await a.responses.create(model=ctx.model, input=phrases.exactly("deleted"))
    try:
        await b.responses.delete(created.id)
    except openai.APIStatusError as err:
        raise ProbeFailure(
            "another replica cannot delete the response", expected="200", received=f"{err.status_code} {err.message}"
        ) from err
    try:
        await a.responses.retrieve(created.id)
    except openai.NotFoundError:
        return Observed.SUPPORTED
    raise ProbeFailure("the replica that made the response still has it after deletion", expected="404", received="200")


@probe(
    "state.replicas.conversation",
    "A conversation created through one replica MUST be used, appended to and listed through another.",
    feature="replicas",
)
async def conversation(ctx: ProbeContext) -> Observation:
    a, b = replicas(ctx)
    conv = await a.conversations.create(
        items=[{"type": "message", "role": "user", "content": phrases.remember("compass")}]
    )
    ctx.defer(lambda: a.conversations.delete(conv.id))
    try:
        response = await b.responses.create(model=ctx.model, input=QUESTION, conversation=conv.id)
    except openai.APIStatusError as err:
        raise ProbeFailure(
            "another replica cannot use the conversation", expected="200", received=f"{err.status_code} {err.message}"
        ) from err
    answer = text_of(response)
    require("compass" in answer.lower(), "the conversation's items were lost", expected="compass", received=answer)
    items = await a.conversations.items.list(conv.id, order="asc")
    require(
        len(items.data) >= 3,
        "the turn taken through the other replica was not appended",
        expected="the first item, the question and the answer",
        received=f"{len(items.data)} items",
    )
    return Observed.SUPPORTED


@probe(
    "state.replicas.websocket_store_false",
    "A websocket's `store: false` response MUST be continued on its own connection, and another replica MUST "
    "answer previous_response_not_found for it (and 404 to retrieve it).",
    feature="replicas",
)
async def websocket_store_false(ctx: ProbeContext) -> Observation:
    _, b = replicas(ctx)
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
    try:  # nor is it stored anywhere (this recorded request also gives the probe its cassette)
        await b.responses.retrieve(created["id"])
    except openai.NotFoundError:
        return Observed.SUPPORTED
    raise ProbeFailure("a `store: false` response is retrievable through another replica", expected="404")
