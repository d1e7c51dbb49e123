"""The Conversations API (OpenAI's `/conversations` paths): conversations and their items belong to their key."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_gateway.errors import GatewayError, not_found
from reference_gateway.routes._common import json_object, owner
from reference_gateway.routes.lifecycle import list_object, list_query, storage, unknown_cursor
from reference_gateway.storage import UnknownCursor, call
from reference_gateway.translate.request import normalize_input
from reference_gateway.validation import check_item

MAX_ITEMS = 20  # "You may add up to 20 items at a time."
ROLES = ("user", "assistant", "system", "developer")
# The item types a conversation keeps as given; each needs the fields listed (what a later turn replays).
ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "message": ("role", "content"),
    "function_call": ("call_id", "name", "arguments"),
    "function_call_output": ("call_id", "output"),
    "reasoning": ("summary",),
}


async def _body(request: Request) -> dict[str, Any]:
    # `conversations.create()` with no arguments may send no body at all.
    return await json_object(request, empty={})


def _metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 16:
        raise GatewayError(400, "Invalid 'metadata': expected an object with at most 16 keys.", param="metadata")
    for key, text in value.items():
        if not isinstance(text, str) or len(key) > 64 or len(text) > 512:
            raise GatewayError(
                400,
                f"Invalid 'metadata.{key}': keys are strings of up to 64 characters, values up to 512.",
                param="metadata",
            )
    return value


def _check_item(n: int, item: Any) -> dict[str, Any]:
    """Only what a later turn can replay is stored: a known type, its fields present and of the right types."""
    where = f"items[{n}]"
    if not isinstance(item, dict):
        raise GatewayError(400, f"Invalid '{where}': expected an object.", param=where)
    check_item(item, where)
    kind = item.get("type", "message" if "role" in item else None)
    if kind not in ITEM_FIELDS:
        raise GatewayError(
            400,
            f"Invalid '{where}.type': {kind!r}; this gateway keeps items of type {', '.join(ITEM_FIELDS)}.",
            param=f"{where}.type",
        )
    for field in ITEM_FIELDS[kind]:
        if field not in item:
            raise GatewayError(400, f"Missing required parameter: '{where}.{field}'.", param=f"{where}.{field}")
    if kind == "message":
        if item["role"] not in ROLES:
            raise GatewayError(400, f"Invalid '{where}.role': {item['role']!r}.", param=f"{where}.role")
        content = item["content"]
        if not isinstance(content, str) and not (
            isinstance(content, list) and all(isinstance(p, dict) and "type" in p for p in content)
        ):
            raise GatewayError(
                400, f"Invalid '{where}.content': a string or an array of content parts.", param=f"{where}.content"
            )
    return {"type": kind, **item}


def _with_output_defaults(item: dict[str, Any]) -> dict[str, Any]:
    """Output text parts as OpenAI lists them (annotations and logprobs are always present)."""
    if item["type"] != "message" or not isinstance(item["content"], list):
        return item
    parts = [
        {"annotations": [], "logprobs": [], **part} if part.get("type") == "output_text" else part
        for part in item["content"]
    ]
    return {**item, "content": parts}


def _items(body: dict[str, Any], *, required: bool) -> list[dict[str, Any]]:
    raw = body.get("items")
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw) or len(raw) > MAX_ITEMS:
        low = 1 if required else 0
        raise GatewayError(400, f"Invalid 'items': expected an array of {low} to {MAX_ITEMS} items.", param="items")
    checked = [_check_item(n, item) for n, item in enumerate(raw)]
    return [_with_output_defaults(item) for item in normalize_input({"input": checked})]


def _missing_conversation(conversation_id: str) -> GatewayError:
    return not_found(f"Conversation with id '{conversation_id}' not found.", param="conversation_id")


async def _conversation(request: Request) -> dict[str, Any]:
    conversation_id = str(request.path_params["conversation_id"])
    found = await call(storage(request), storage(request).get_conversation, owner(request), conversation_id)
    if found is None:
        raise _missing_conversation(conversation_id)
    return found


async def create(request: Request) -> Response:
    body = await _body(request)
    metadata, items = _metadata(body.get("metadata")), _items(body, required=False)
    return JSONResponse(
        await call(storage(request), storage(request).create_conversation, owner(request), metadata, items)
    )


async def retrieve(request: Request) -> Response:
    return JSONResponse(await _conversation(request))


async def update(request: Request) -> Response:
    conversation = await _conversation(request)
    body = await _body(request)
    if "metadata" not in body:
        raise GatewayError(400, "Missing required parameter: 'metadata'.", param="metadata")
    updated = await call(
        storage(request),
        storage(request).update_conversation,
        owner(request),
        conversation["id"],
        _metadata(body["metadata"]),
    )
    if updated is None:  # deleted meanwhile
        raise _missing_conversation(conversation["id"])
    return JSONResponse(updated)


async def delete(request: Request) -> Response:
    conversation_id = str(request.path_params["conversation_id"])
    if not await call(storage(request), storage(request).delete_conversation, owner(request), conversation_id):
        raise _missing_conversation(conversation_id)
    return JSONResponse({"id": conversation_id, "object": "conversation.deleted", "deleted": True})


async def add_items(request: Request) -> Response:
    conversation = await _conversation(request)
    items = _items(await _body(request), required=True)
    stored = await call(storage(request), storage(request).add_items, owner(request), conversation["id"], items)
    if stored is None:
        raise _missing_conversation(conversation["id"])
    return JSONResponse(list_object(stored, False))


async def list_items(request: Request) -> Response:
    conversation_id = str(request.path_params["conversation_id"])
    after, limit, order = list_query(request)  # `include` is accepted: stored items already carry everything
    try:
        page = await call(
            storage(request),
            storage(request).list_items,
            owner(request),
            conversation_id,
            after=after,
            limit=limit,
            order=order,
        )
    except UnknownCursor as exc:
        raise unknown_cursor(exc) from exc
    if page is None:
        raise _missing_conversation(conversation_id)
    return JSONResponse(list_object(*page))


async def retrieve_item(request: Request) -> Response:
    conversation = await _conversation(request)
    item_id = str(request.path_params["item_id"])
    item = await call(storage(request), storage(request).get_item, owner(request), conversation["id"], item_id)
    if item is None:
        raise not_found(f"Item with id '{item_id}' not found.", param="item_id")
    return JSONResponse(item)


async def delete_item(request: Request) -> Response:
    conversation = await _conversation(request)
    item_id = str(request.path_params["item_id"])
    if not await call(storage(request), storage(request).delete_item, owner(request), conversation["id"], item_id):
        raise not_found(f"Item with id '{item_id}' not found.", param="item_id")
    return JSONResponse(conversation)  # OpenAI answers an item deletion with the conversation


ROUTES: list[BaseRoute] = [
    Route("/v1/conversations", create, methods=["POST"]),
    Route("/v1/conversations/{conversation_id}", retrieve, methods=["GET"]),
    Route("/v1/conversations/{conversation_id}", update, methods=["POST"]),
    Route("/v1/conversations/{conversation_id}", delete, methods=["DELETE"]),
    Route("/v1/conversations/{conversation_id}/items", add_items, methods=["POST"]),
    Route("/v1/conversations/{conversation_id}/items", list_items, methods=["GET"]),
    Route("/v1/conversations/{conversation_id}/items/{item_id}", retrieve_item, methods=["GET"]),
    Route("/v1/conversations/{conversation_id}/items/{item_id}", delete_item, methods=["DELETE"]),
]
