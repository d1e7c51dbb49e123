"""The reference gateway as a Starlette app: routes listed as data, auth and the error envelope as middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from reference_gateway.auth import AuthMiddleware
from reference_gateway.config import Config
from reference_gateway.errors import (
    GatewayError,
    UnexpectedErrorMiddleware,
    UpstreamError,
    gateway_error_handler,
    http_error_handler,
    storage_error_handler,
)
from reference_gateway.gateway import Gateway
from reference_gateway.routes import conversations, lifecycle, meta, responses
from reference_gateway.storage import Storage

# Matched in order: the hot path first.
ROUTES: list[BaseRoute] = [*responses.ROUTES, *lifecycle.ROUTES, *conversations.ROUTES, *meta.ROUTES]


def create_app(config: Config, storage: Storage | None = None) -> Starlette:
    gateway = Gateway(config, storage)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await gateway.aclose()

    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(UnexpectedErrorMiddleware), Middleware(AuthMiddleware, keys=config.keys)],
        exception_handlers={
            GatewayError: gateway_error_handler,
            UpstreamError: gateway_error_handler,
            HTTPException: http_error_handler,
            **dict.fromkeys(gateway.storage.failures, storage_error_handler),
        },
        lifespan=lifespan,
    )
    # A slash-redirect would build its Location from the request's Host header; a wrong path is a 404 envelope.
    app.router.redirect_slashes = False
    app.state.gateway = gateway
    return app
