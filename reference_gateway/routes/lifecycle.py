"""Stored responses: retrieve, delete, list input items. Another key's response is a 404 (never confirmed).

Also the list paging every item listing shares (`after`, `limit`, `order` and the list object)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_gateway.errors import GatewayError, not_found
from reference_gateway.routes._common import gateway, owner
from reference_gateway.storage import Order, Storage, UnknownCursor, call


def storage(request: Request) -> Storage:
    return gateway(request).storage


def list_query(request: Request) -> tuple[str | None, int, Order]:
    """`after`, `limit` (1..100, default 20) and `order` (default desc, as OpenAI lists items)."""
    params = request.query_params
    order = params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise GatewayError(400, f"Invalid value for 'order': {order!r}; expected 'asc' or 'desc'.", param="order")
    raw = params.get("limit", "20")
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 100:
        raise GatewayError(
            400, f"Invalid value for 'limit': {raw!r}; expected an integer from 1 to 100.", param="limit"
        )
    return params.get("after") or None, int(raw), "asc" if order == "asc" else "desc"


def unknown_cursor(exc: UnknownCursor) -> GatewayError:
    return GatewayError(400, f"Invalid value for 'after': no item with id {exc.after!r} in this list.", param="after")


def list_object(items: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }


def _missing(response_id: str) -> GatewayError:
    return not_found(f"Response with id '{response_id}' not found.", param="response_id")


async def retrieve(request: Request) -> Response:
    response_id = request.path_params["response_id"]
    if request.query_params.get("stream", "false").lower() not in ("false", "0"):
        # Re-streaming a stored response is for background responses, which this gateway does not run.
        raise GatewayError(
            400, "Streaming a stored response (stream=true) is not supported by this gateway.", param="stream"
        )
    store = storage(request)
    found = await call(store, store.get_response, owner(request), response_id)
    if found is None:
        raise _missing(response_id)
    return JSONResponse(found)


async def delete(request: Request) -> Response:
    """Delete the caller's response here and, for a native route, upstream too: the upstream copy would otherwise
    stay reachable through `previous_response_id` for as long as the upstream keeps it."""
    response_id = request.path_params["response_id"]
    store = storage(request)
    provider_name = await call(store, store.provider_of, owner(request), response_id)
    if provider_name is None or await call(store, store.get_response, owner(request), response_id) is None:
        raise _missing(response_id)
    flow = gateway(request).flows.get(provider_name)
    if flow is not None:
        await flow.forget(response_id)
    await call(store, store.delete_response, owner(request), response_id)
    return JSONResponse({"id": response_id, "object": "response.deleted", "deleted": True})


async def cancel(request: Request) -> Response:
    """Only background responses can be cancelled, and this gateway runs none (`background` is refused)."""
    response_id = request.path_params["response_id"]
    store = storage(request)
    if await call(store, store.get_response, owner(request), response_id) is None:
        raise _missing(response_id)
    raise GatewayError(400, "Only background responses can be cancelled; this response was not run in background.")


async def input_items(request: Request) -> Response:
    response_id = request.path_params["response_id"]
    after, limit, order = list_query(request)
    try:
        store = storage(request)
        page = await call(
            store, store.list_input_items, owner(request), response_id, after=after, limit=limit, order=order
        )
    except UnknownCursor as exc:
        raise unknown_cursor(exc) from exc
    if page is None:
        raise _missing(response_id)
    return JSONResponse(list_object(*page))


ROUTES: list[BaseRoute] = [
    Route("/v1/responses/{response_id}", retrieve, methods=["GET"]),
    Route("/v1/responses/{response_id}", delete, methods=["DELETE"]),
    Route("/v1/responses/{response_id}/input_items", input_items, methods=["GET"]),
    Route("/v1/responses/{response_id}/cancel", cancel, methods=["POST"]),
]
