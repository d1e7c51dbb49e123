"""responses.lifecycle: retrieve, input_items (pagination, order), delete, store:false."""

from __future__ import annotations

from harness import phrases
from harness.context import ProbeContext, require
from harness.model import Observation, Observed
from harness.probes._calls import gone, require_same_output
from harness.probes._checks import assistant, listed_texts, user
from harness.probes._registry import probe


@probe(
    "responses.lifecycle.retrieve",
    "A stored response MUST be retrievable by id with the same output.",
    feature="lifecycle",
)
async def retrieve(ctx: ProbeContext) -> Observation:
    created = await ctx.client.responses.create(model=ctx.model, input=phrases.exactly("stored"))
    fetched = await ctx.client.responses.retrieve(created.id)
    require_same_output(created, fetched, "the retrieved output differs")
    return Observed.SUPPORTED


@probe(
    "responses.lifecycle.input_items",
    "input_items MUST list the request's items, honouring order, limit and after.",
    feature="lifecycle",
)
async def input_items(ctx: ProbeContext) -> Observation:
    sent = ["first item", "second item", phrases.exactly("listed")]
    created = await ctx.client.responses.create(
        model=ctx.model, input=[user(sent[0]), assistant(sent[1]), user(sent[2])]
    )
    asc = await ctx.client.responses.input_items.list(created.id, order="asc")
    texts = listed_texts(asc.data, "input_items")
    require(texts == sent, "input_items (asc) must list the input in order", expected=sent, received=texts)
    desc = await ctx.client.responses.input_items.list(created.id, order="desc")
    require(
        [i.id for i in desc.data] == [i.id for i in reversed(asc.data)],
        "order=desc must reverse the list",
        received=[i.id for i in desc.data],
    )
    page = await ctx.client.responses.input_items.list(created.id, order="asc", limit=2)
    require(
        len(page.data) == 2 and page.has_more,
        "limit=2 must give two items and has_more",
        received=f"{len(page.data)} items, has_more={page.has_more}",
    )
    rest = await ctx.client.responses.input_items.list(created.id, order="asc", limit=2, after=page.data[-1].id)
    require(
        [i.id for i in rest.data] == [asc.data[2].id],
        "after= must continue after the given item",
        expected=[asc.data[2].id],
        received=[i.id for i in rest.data],
    )
    return Observed.SUPPORTED


@probe("responses.lifecycle.delete", "A deleted response MUST then be a 404.", feature="lifecycle")
async def delete(ctx: ProbeContext) -> Observation:
    created = await ctx.client.responses.create(model=ctx.model, input=phrases.exactly("deleted"))
    await ctx.client.responses.delete(created.id)
    return await gone(ctx.client.responses.retrieve(created.id), "a deleted response is still retrievable")


@probe(
    "responses.lifecycle.store_false", "A `store: false` response MUST NOT be retrievable (404).", feature="lifecycle"
)
async def store_false(ctx: ProbeContext) -> Observation:
    created = await ctx.client.responses.create(model=ctx.model, input=phrases.exactly("ephemeral"), store=False)
    return await gone(
        ctx.client.responses.retrieve(created.id), "a store:false response was stored", received="200 with the response"
    )
