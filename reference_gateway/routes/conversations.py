"""The Conversations API: conversations and their items belong to the key that made them."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_gateway.errors import GatewayError, not_found
from reference_gateway.routes._common import gateway, json_body, owner
from reference_gateway.routes.pagination import page
from reference_gateway.state import with_ids
from reference_gateway.translate.request import normalize_input

MAX_ITEMS = 20


def _metadata(body: dict[str, Any]) -> dict[str, Any]:
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict) or len(metadata) > 16:
        raise GatewayError(400, "Invalid 'metadata': expected an object with at most 16 keys.", param="metadata")
    if not all(isinstance(v, str) and len(str(k)) <= 64 and len(v) <= 512 for k, v in metadata.items()):
        raise GatewayError(400, "Invalid 'metadata': keys up to 64 and values up to 512 characters.", param="metadata")
    return metadata


def _items(body: dict[str, Any], *, required: bool) -> list[dict[str, Any]]:
    raw = body.get("items")
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or (required and not raw) or len(raw) > MAX_ITEMS:
        raise GatewayError(400, f"Invalid 'items': expected an array of 1 to {MAX_ITEMS} items.", param="items")
    items = normalize_input({"input": raw})
    return [{**item, "status": item.get("status", "completed")} for item in with_ids(items)]


def _conversation_id(request: Request) -> str:
    conversation_id = str(request.path_params["conversation_id"])
    if gateway(request).storage.get_conversation(owner(request), conversation_id) is None:
        raise not_found(f"Conversation with id '{conversation_id}' not found.", param="conversation_id")
    return conversation_id


async def create(request: Request) -> Response:
    body = await json_body(request)
    metadata, items = _metadata(body), _items(body, required=False)
    storage = gateway(request).storage
    conversation = storage.create_conversation(owner(request), "conv_" + secrets.token_hex(24), metadata)
    storage.add_items(conversation["id"], items)
    return JSONResponse(conversation)


async def retrieve(request: Request) -> Response:
    return JSONResponse(gateway(request).storage.get_conversation(owner(request), _conversation_id(request)))


async def update(request: Request) -> Response:
    conversation_id = _conversation_id(request)
    body = await json_body(request)
    if "metadata" not in body:
        raise GatewayError(400, "Missing required parameter: 'metadata'.", param="metadata")
    return JSONResponse(gateway(request).storage.update_conversation(owner(request), conversation_id, _metadata(body)))


async def delete(request: Request) -> Response:
    conversation_id = _conversation_id(request)
    gateway(request).storage.delete_conversation(owner(request), conversation_id)
    return JSONResponse({"id": conversation_id, "object": "conversation.deleted", "deleted": True})


async def add_items(request: Request) -> Response:
    conversation_id = _conversation_id(request)
    items = _items(await json_body(request), required=True)
    gateway(request).storage.add_items(conversation_id, items)
    return JSONResponse(
        {"object": "list", "data": items, "first_id": items[0]["id"], "last_id": items[-1]["id"], "has_more": False}
    )


async def list_items(request: Request) -> Response:
    conversation_id = _conversation_id(request)
    return JSONResponse(page(request, gateway(request).storage.list_items(conversation_id)))


def _item(request: Request, conversation_id: str) -> dict[str, Any]:
    item_id = str(request.path_params["item_id"])
    item = gateway(request).storage.get_item(conversation_id, item_id)
    if item is None:
        raise not_found(f"Item with id '{item_id}' not found.", param="item_id")
    return item


async def retrieve_item(request: Request) -> Response:
    return JSONResponse(_item(request, _conversation_id(request)))


async def delete_item(request: Request) -> Response:
    conversation_id = _conversation_id(request)
    item = _item(request, conversation_id)
    storage = gateway(request).storage
    storage.delete_item(conversation_id, item["id"])
    return JSONResponse(storage.get_conversation(owner(request), conversation_id))


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
