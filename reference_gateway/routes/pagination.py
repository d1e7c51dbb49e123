"""OpenAI-style list pagination: `after`, `limit`, `order`, and the list object."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from reference_gateway.errors import GatewayError


def page(request: Request, items: list[dict[str, Any]], *, default_order: str = "desc") -> dict[str, Any]:
    params = request.query_params
    order = params.get("order", default_order)
    if order not in ("asc", "desc"):
        raise GatewayError(400, f"Invalid value for 'order': {order!r}; expected 'asc' or 'desc'.", param="order")
    try:
        limit = int(params.get("limit", "20"))
    except ValueError:
        limit = -1
    if not 1 <= limit <= 100:
        raise GatewayError(400, "Invalid value for 'limit': expected an integer from 1 to 100.", param="limit")
    ordered = items if order == "asc" else list(reversed(items))
    after = params.get("after")
    if after:
        ids = [item.get("id") for item in ordered]
        if after not in ids:
            raise GatewayError(400, f"Invalid value for 'after': no item with id {after!r}.", param="after")
        ordered = ordered[ids.index(after) + 1 :]
    data = ordered[:limit]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": len(ordered) > limit,
    }
