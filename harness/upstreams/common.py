"""What every emulated protocol shares: ids, clocks, provider errors, typed field access, fault injection."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from harness.upstreams.sse import sse_event, stream_response

__all__ = [
    "Fault",
    "answer",
    "apply_fault",
    "get_bool",
    "get_dict",
    "get_list",
    "get_str",
    "json_response",
    "new_id",
    "now",
    "objects",
    "read_json",
    "sse_event",
    "stream_response",
]


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(24)


def now() -> int:
    return int(time.time())


class Fault(Exception):
    """Raised inside an emulator to answer with a provider-formatted error (the app renders it per protocol)."""

    def __init__(
        self,
        status: int,
        message: str,
        kind: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.kind, self.param, self.code = status, message, kind, param, code


async def read_json(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError as exc:
        raise Fault(400, f"We could not parse the JSON body of your request: {exc}") from exc
    if not isinstance(body, dict):
        raise Fault(400, "The request body must be a JSON object.")
    return body


# typed field access: a wrong type is the client's mistake (400 naming the field), never a crash ---------------
def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array"}
    return names.get(type(value), "an object" if isinstance(value, dict) else "null")


def _wrong(param: str, expected: str, value: Any) -> Fault:
    return Fault(400, f"Invalid type for '{param}': expected {expected}, but got {_kind(value)} instead.", param=param)


def get_dict(body: Mapping[str, Any], key: str, param: str | None = None) -> dict[str, Any]:
    """`body[key]` as an object; absent or null is `{}`."""
    value = body.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _wrong(param or key, "an object", value)
    return value


def get_list(body: Mapping[str, Any], key: str, param: str | None = None) -> list[Any]:
    """`body[key]` as an array; absent or null is `[]`."""
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _wrong(param or key, "an array", value)
    return value


def get_str(body: Mapping[str, Any], key: str, param: str | None = None, default: str = "") -> str:
    """`body[key]` as a string; absent or null is `default`."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise _wrong(param or key, "a string", value)
    return value


def get_bool(body: Mapping[str, Any], key: str, param: str | None = None, default: bool = False) -> bool:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _wrong(param or key, "a boolean", value)
    return value


def objects(values: list[Any], param: str) -> list[dict[str, Any]]:
    """Every element of an array as an object, or a 400 naming the first that is not."""
    for index, value in enumerate(values):
        if not isinstance(value, dict):
            raise _wrong(f"{param}[{index}]", "an object", value)
    return values


# faults by model name --------------------------------------------------------------------------------------------
async def apply_fault(model: str) -> None:
    """`fail-500` -> 500, `hang` -> a long sleep. `fail-midstream` is handled by the stream writers."""
    if "fail-500" in model:
        raise Fault(500, "The scripted upstream was told to fail.", kind="server_error")
    if "hang" in model:
        await asyncio.sleep(30)


def json_response(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status)


def answer(
    model: str, stream: bool, render_stream: Callable[[], Iterable[str]], render_json: Callable[[], Any]
) -> Response:
    """The reply as a stream or as JSON. A `fail-midstream` model has no middle to fail in a JSON answer: 500."""
    if stream:
        return stream_response(render_stream(), model)
    if "fail-midstream" in model:
        raise Fault(500, "The scripted upstream was told to fail.", kind="server_error")
    return json_response(render_json())
