"""`/health`, `/v1/models`, `/v1/capabilities`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reference_gateway import capabilities
from reference_gateway.routes._common import gateway


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def models(request: Request) -> Response:
    data = []
    for name, settings in gateway(request).config.providers.items():
        for model in settings.options.get("models") or ["*"]:
            data.append({"id": f"{name}/{model}", "object": "model", "created": 0, "owned_by": name})
    return JSONResponse({"object": "list", "data": data})


async def capability_table(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": capabilities.table(gateway(request).config.providers)})


ROUTES: list[BaseRoute] = [
    Route("/health", health, methods=["GET"]),
    Route("/v1/models", models, methods=["GET"]),
    Route("/v1/capabilities", capability_table, methods=["GET"]),
]
