"""conversations: the Conversations API, or a clean rejection of it."""

from __future__ import annotations

from harness.context import ProbeContext, require
from harness.model import Observation, Observed, ProbeFailure
from harness.probes._calls import gone, unless_refused
from harness.probes._checks import UNKNOWN_CONVERSATION, listed_texts
from harness.probes._registry import E, probe


@probe(
    "conversations.crud",
    "Conversations MUST be created, retrieved, updated and deleted (then 404), or the API rejected cleanly.",
    feature="conversations",
    native=E,
    chat=E,
)
async def crud(ctx: ProbeContext) -> Observation:
    conv = await unless_refused(ctx, ctx.client.conversations.create(metadata={"probe": "crud"}))
    require(conv.id.startswith("conv"), "a conversation id must look like conv_...", received=conv.id)
    fetched = await ctx.client.conversations.retrieve(conv.id)
    require(fetched.metadata == {"probe": "crud"}, "metadata was not kept", received=fetched.metadata)
    updated = await ctx.client.conversations.update(conv.id, metadata={"probe": "updated"})
    require(updated.metadata == {"probe": "updated"}, "update did not change metadata", received=updated.metadata)
    deleted = await ctx.client.conversations.delete(conv.id)
    require(deleted.deleted and deleted.id == conv.id, "delete did not confirm", received=deleted.model_dump())
    return await gone(ctx.client.conversations.retrieve(conv.id), "a deleted conversation is still retrievable")


@probe(
    "conversations.items",
    "Conversation items MUST be added, listed in order with pagination, retrieved and deleted.",
    feature="conversations",
    native=E,
    chat=E,
)
async def items(ctx: ProbeContext) -> Observation:
    first = [{"type": "message", "role": "user", "content": "one"}]
    conv = await unless_refused(ctx, ctx.client.conversations.create(items=first))
    conversations = ctx.client.conversations
    ctx.defer(lambda: conversations.delete(conv.id))
    added = await ctx.client.conversations.items.create(
        conv.id,
        items=[
            {"type": "message", "role": "user", "content": "two"},
            {"type": "message", "role": "user", "content": "three"},
        ],
    )
    require(len(added.data) == 2, "items.create must return the added items", received=len(added.data))
    listed = await ctx.client.conversations.items.list(conv.id, order="asc")
    texts = listed_texts(listed.data, "items.list")
    require(
        texts == ["one", "two", "three"],
        "items must be listed in order",
        expected=["one", "two", "three"],
        received=texts,
    )
    page = await ctx.client.conversations.items.list(conv.id, order="asc", limit=1, after=listed.data[0].id)
    require(
        [i.id for i in page.data] == [listed.data[1].id] and page.has_more,
        "after/limit pagination is wrong",
        expected=[listed.data[1].id],
        received=[i.id for i in page.data],
    )
    one = await ctx.client.conversations.items.retrieve(listed.data[1].id, conversation_id=conv.id)
    require(one.id == listed.data[1].id, "items.retrieve returned another item", received=one.id)
    await ctx.client.conversations.items.delete(listed.data[1].id, conversation_id=conv.id)
    after = await ctx.client.conversations.items.list(conv.id, order="asc")
    require(len(after.data) == 2, "items.delete did not remove the item", received=len(after.data))
    return Observed.SUPPORTED


@probe(
    "conversations.not_found",
    "An unknown conversation MUST be a 404 error envelope.",
    feature="conversations",
    native=E,
    chat=E,
)
async def not_found(ctx: ProbeContext) -> Observation:
    response = await ctx.http("GET", f"/conversations/{UNKNOWN_CONVERSATION}")
    if response.status_code == 404:
        ctx.rejected(response, statuses=(404,))
        return Observed.SUPPORTED
    if response.status_code in (400, 405, 501):
        return ctx.rejected(response)
    raise ProbeFailure(
        "an unknown conversation was not a 404",
        expected="404 with an error envelope",
        received=f"HTTP {response.status_code} {response.text[:200]}",
    )
