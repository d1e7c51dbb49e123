"""Routes of the gateway served in process on their own (a real Gateway on a given storage, no providers), and
OpenAI's own schemas to hold their answers against."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.applications import Starlette
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from reference_gateway.config import Config
from reference_gateway.errors import GatewayError, gateway_error_handler
from reference_gateway.flows import flow_for
from reference_gateway.gateway import Gateway, Route
from reference_gateway.providers import registry
from reference_gateway.providers.base import ProviderSettings
from reference_gateway.providers.upstream import UpstreamClient
from reference_gateway.storage import Storage
from reference_gateway.turn import Session, Turn

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "specs" / "openai-openapi.json"


@cache
def validator(name: str) -> Draft202012Validator:
    """OpenAI's own schema: from the spec (resolving its $refs) beside this checkout, else the committed copy."""
    if not SPEC.exists():
        return Draft202012Validator(json.loads((ROOT / "schemas" / "openai" / f"{name}.json").read_text()))
    spec = Resource.from_contents(json.loads(SPEC.read_text()), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:openai", spec)
    return Draft202012Validator({"$ref": f"urn:openai#/components/schemas/{name}"}, registry=registry)


def spec_errors(name: str, instance: Any) -> list[str]:
    return [error.message[:300] for error in validator(name).iter_errors(instance)]


class KeyFromHeader:
    """Stands in for the gateway's auth: the caller's key name is the `x-key` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            name = dict(scope["headers"]).get(b"x-key", b"alice").decode()
            scope.setdefault("state", {})["key_name"] = name
        await self.app(scope, receive, send)


def user(text: str) -> dict[str, Any]:
    """A user message item."""
    return {"type": "message", "role": "user", "content": text}


@asynccontextmanager
async def serve(routes: Sequence[BaseRoute], storage: Storage) -> AsyncIterator[httpx.AsyncClient]:
    """A client for `routes` over `storage`, the caller named by `x-key` (alice by default)."""
    app = Starlette(routes=list(routes), exception_handlers={GatewayError: gateway_error_handler})
    app.state.gateway = Gateway(Config(keys={"alice": "alice-key"}), storage)
    transport = httpx.ASGITransport(app=KeyFromHeader(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
        yield http
    storage.close()


def turn_of(owner: str, payload: dict[str, Any], *, session: Session | None = None) -> Turn:
    """A request parsed as the pipeline parses it, on a chat route that replays history (nothing is sent)."""
    settings = ProviderSettings("chat", "openai_chat", "http://127.0.0.1:9", stateful="replay")
    client = UpstreamClient(connect=1.0, read=1.0, max_connections=1)
    return Turn.parse(owner, Route(flow_for(registry.build(settings, client)), "m"), payload, session, None)
