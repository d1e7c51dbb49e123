"""Stored responses: retrieve, delete, list input items. Another key's response is a 404 (never confirmed)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_gateway.errors import not_found
from reference_gateway.routes._common import gateway, owner
from reference_gateway.routes.pagination import page


def _missing(response_id: str) -> Exception:
    return not_found(f"No response found with id '{response_id}'.", param="response_id")


def _stored(request: Request) -> dict[str, Any]:
    response_id = request.path_params["response_id"]
    found = gateway(request).storage.get_response(owner(request), response_id)
    if found is None:
        raise _missing(response_id)
    return found


async def retrieve(request: Request) -> Response:
    return JSONResponse(_stored(request))


async def delete(request: Request) -> Response:
    response_id = request.path_params["response_id"]
    if not gateway(request).storage.delete_response(owner(request), response_id):
        raise _missing(response_id)
    return JSONResponse({"id": response_id, "object": "response.deleted", "deleted": True})


async def input_items(request: Request) -> Response:
    response_id = request.path_params["response_id"]
    items = gateway(request).storage.get_input_items(owner(request), response_id)
    if items is None:
        raise _missing(response_id)
    return JSONResponse(page(request, items))


ROUTES: list[BaseRoute] = [
    Route("/v1/responses/{response_id}", retrieve, methods=["GET"]),
    Route("/v1/responses/{response_id}", delete, methods=["DELETE"]),
    Route("/v1/responses/{response_id}/input_items", input_items, methods=["GET"]),
]
