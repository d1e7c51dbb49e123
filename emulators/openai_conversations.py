"""OpenAI Conversations API, emulated: `/v1/conversations` and its items, shaped as OpenAI's (ConversationResource,
ConversationItemList, ConversationItem, DeletedConversationResource), kept in memory per app.

`conversation` on POST /v1/responses (openai_responses.py) reads the conversation's items as the history the
scripted model sees, and appends the turn (its input items, then its output items). So a gateway that forwards
conversations upstream is judged on what it really did. The keys are checked by the gate, as on every OpenAI path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from emulators.common import Fault, get_dict, json_response, new_id, now, read_json, route_table
from emulators.openai_items import listing, page, stored_item
from emulators.responses_input import input_items

MAX_ITEMS = 20  # "You may add up to 20 items at a time."
MAX_METADATA = 16


@dataclass
class Conversations:
    """Conversations and their items, in the order they were added."""

    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def get(self, conversation_id: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
        if conversation_id not in self.resources:
            raise Fault(404, f"Conversation with id '{conversation_id}' not found.", param=param, code=code)
        return self.resources[conversation_id]

    def history(self, conversation_id: str) -> list[dict[str, Any]]:
        """The items of the conversation a response names (a 404 on `conversation` when there is none)."""
        self.get(conversation_id, param="conversation", code="not_found")
        return list(self.items[conversation_id])

    def append(self, conversation_id: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        stored = [stored_item(item) for item in items]
        self.items[self.get(conversation_id)["id"]].extend(stored)
        return stored


def conversation_id(payload: dict[str, Any]) -> str | None:
    """The conversation a Responses request names: an id, or an object with an `id`."""
    value = payload.get("conversation")
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str) or not value:
        message = "Invalid type for 'conversation': expected a conversation id or an object with a string 'id'."
        raise Fault(400, message, param="conversation")
    return value


async def _body(request: Request, allowed: set[str]) -> dict[str, Any]:
    """The JSON body (none at all is `{}`, as `conversations.create()` may send), with no field OpenAI does not
    know."""
    body = await read_json(request) if (await request.body()).strip() else {}
    for key in body:
        if key not in allowed:
            raise Fault(400, f"Unrecognized request argument supplied: {key}")
    return body


def _metadata(body: dict[str, Any]) -> dict[str, str]:
    """OpenAI's metadata: at most 16 pairs, keys up to 64 characters, string values up to 512."""
    metadata = get_dict(body, "metadata")
    if len(metadata) > MAX_METADATA:
        raise Fault(
            400,
            f"Invalid 'metadata': too many properties. Expected an object with at most {MAX_METADATA} properties, "
            f"but got an object with {len(metadata)} properties instead.",
            param="metadata",
        )
    for key, value in metadata.items():
        if len(key) > 64:
            message = f"Invalid 'metadata': key too long. Expected keys of at most 64 characters, but got {len(key)}."
            raise Fault(400, message, param="metadata")
        if not isinstance(value, str):
            raise Fault(400, f"Invalid type for 'metadata.{key}': expected a string.", param=f"metadata.{key}")
        if len(value) > 512:
            raise Fault(
                400,
                f"Invalid 'metadata.{key}': string too long. Expected a string with maximum length 512, but got a "
                f"string with length {len(value)} instead.",
                param=f"metadata.{key}",
                code="string_above_max_length",
            )
    return metadata


def _items(body: dict[str, Any], *, required: bool) -> list[dict[str, Any]]:
    raw = body.get("items")
    if raw is None and required:
        raise Fault(400, "Missing required parameter: 'items'.", param="items")
    if raw is not None and not isinstance(raw, list):
        raise Fault(400, "Invalid type for 'items': expected an array of items.", param="items")
    if raw is not None and len(raw) > MAX_ITEMS:
        raise Fault(
            400,
            f"Invalid 'items': array too long. Expected an array with maximum length {MAX_ITEMS}, but got an array "
            f"with length {len(raw)} instead.",
            param="items",
            code="array_above_max_length",
        )
    return input_items(body, "items")


def routes(conversations: Conversations) -> list[BaseRoute]:
    """The eight endpoints over `conversations`."""

    def found(request: Request) -> dict[str, Any]:
        return conversations.get(request.path_params["conversation_id"])

    def item_index(request: Request) -> tuple[str, int]:
        conv, item_id = found(request)["id"], request.path_params["item_id"]
        ids = [item["id"] for item in conversations.items[conv]]
        if item_id not in ids:
            raise Fault(404, f"Item with id '{item_id}' not found.")
        return conv, ids.index(item_id)

    async def create(request: Request) -> Response:
        body = await _body(request, {"metadata", "items"})
        metadata, items = _metadata(body), _items(body, required=False)
        conv = new_id("conv_")
        resource = {"id": conv, "object": "conversation", "created_at": now(), "metadata": metadata}
        conversations.resources[conv], conversations.items[conv] = resource, []
        conversations.append(conv, items)
        return json_response(resource)

    async def retrieve(request: Request) -> Response:
        return json_response(found(request))

    async def update(request: Request) -> Response:
        resource = found(request)
        body = await _body(request, {"metadata"})
        if "metadata" not in body:
            raise Fault(400, "Missing required parameter: 'metadata'.", param="metadata")
        resource["metadata"] = _metadata(body)
        return json_response(resource)

    async def delete(request: Request) -> Response:
        conv = found(request)["id"]
        del conversations.resources[conv], conversations.items[conv]
        return json_response({"id": conv, "object": "conversation.deleted", "deleted": True})

    async def add_items(request: Request) -> Response:
        conv = found(request)["id"]
        items = _items(await _body(request, {"items"}), required=True)
        return json_response(listing(conversations.append(conv, items)))

    async def list_items(request: Request) -> Response:  # `include` is accepted: items are kept whole
        return json_response(page(list(conversations.items[found(request)["id"]]), request.query_params))

    async def retrieve_item(request: Request) -> Response:
        conv, index = item_index(request)
        return json_response(conversations.items[conv][index])

    async def delete_item(request: Request) -> Response:
        conv, index = item_index(request)
        del conversations.items[conv][index]
        return json_response(conversations.resources[conv])  # OpenAI answers with the conversation

    return route_table(
        ("POST /v1/conversations", create),
        ("GET /v1/conversations/{conversation_id}", retrieve),
        ("POST /v1/conversations/{conversation_id}", update),
        ("DELETE /v1/conversations/{conversation_id}", delete),
        ("POST /v1/conversations/{conversation_id}/items", add_items),
        ("GET /v1/conversations/{conversation_id}/items", list_items),
        ("GET /v1/conversations/{conversation_id}/items/{item_id}", retrieve_item),
        ("DELETE /v1/conversations/{conversation_id}/items/{item_id}", delete_item),
    )
