"""What every emulated protocol shares: ids, clocks, provider errors, typed field access, fault injection."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from emulators import faults
from emulators.errors import Fault
from emulators.sse import sse_event, stream_response

T = TypeVar("T")

__all__ = [
    "Fault",
    "answer",
    "apply_fault",
    "check_effort",
    "check_function_name",
    "get_bool",
    "get_dict",
    "get_list",
    "get_str",
    "json_answer",
    "json_response",
    "new_id",
    "now",
    "objects",
    "read_json",
    "route_table",
    "sse_event",
    "stream_response",
]


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(24)


def now() -> int:
    return int(time.time())


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


def _typed(body: Mapping[str, Any], key: str, param: str | None, kind: type[T], expected: str, default: T) -> T:
    """`body[key]` if it is a `kind` (`expected` says which, in OpenAI's words); absent or null is `default`."""
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise _wrong(param or key, expected, value)
    return value


def get_dict(body: Mapping[str, Any], key: str, param: str | None = None) -> dict[str, Any]:
    """`body[key]` as an object; absent or null is `{}`."""
    return _typed(body, key, param, dict, "an object", {})


def get_list(body: Mapping[str, Any], key: str, param: str | None = None) -> list[Any]:
    """`body[key]` as an array; absent or null is `[]`."""
    return _typed(body, key, param, list, "an array", [])


def get_str(body: Mapping[str, Any], key: str, param: str | None = None, default: str = "") -> str:
    """`body[key]` as a string; absent or null is `default`."""
    return _typed(body, key, param, str, "a string", default)


def get_bool(body: Mapping[str, Any], key: str, param: str | None = None, default: bool = False) -> bool:
    return _typed(body, key, param, bool, "a boolean", default)


# OpenAI's reasoning efforts (Responses `reasoning.effort`, Chat Completions `reasoning_effort`).
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")


def check_effort(value: Any, param: str) -> str | None:
    """A reasoning effort as OpenAI checks it: absent or null is None, another value a 400 naming `param`."""
    if value is None:
        return None
    if value not in EFFORTS:
        listed = ", ".join(f"'{e}'" for e in EFFORTS[:-1]) + f", and '{EFFORTS[-1]}'"
        raise Fault(
            400,
            f"Invalid value: {json.dumps(value)}. Supported values are: {listed}.",
            param=param,
            code="invalid_value",
        )
    return str(value)


def objects(values: list[Any], param: str) -> list[dict[str, Any]]:
    """Every element of an array as an object, or a 400 naming the first that is not."""
    for index, value in enumerate(values):
        if not isinstance(value, dict):
            raise _wrong(f"{param}[{index}]", "an object", value)
    return values


# faults by model name (the table and their behaviour: faults.py) ----------------------------------------------------
async def apply_fault(model: str, protocol: str) -> None:
    """The faults that come before any answer: an error in `protocol`'s format (`fail-500`, `fail-429`,
    `fail-401`), or a long sleep (`hang`). The others are applied to the answer by `answer`."""
    await faults.before_answer(model, protocol)


def json_response(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status)


def json_answer(model: str, body: Any) -> Response:
    """A 200 JSON answer as the model's fault leaves it: `fail-midstream` has no middle to fail in a JSON answer
    (a 500), `fail-shape` and `fail-malformed` change the bytes, `drip` slows them down."""
    if faults.fault_of(model) == faults.FAIL_MIDSTREAM:
        raise Fault(500, "The scripted upstream was told to fail.", kind="server_error")
    raw = faults.json_body(model, bytes(JSONResponse(body).body))
    if faults.fault_of(model) == faults.DRIP:
        return StreamingResponse(faults.deliver(model, iter([raw])), media_type="application/json")
    return Response(raw, media_type="application/json")


def answer(
    model: str, stream: bool, render_stream: Callable[[], Iterable[str]], render_json: Callable[[], Any]
) -> Response:
    """The reply as a stream or as JSON, with the model's fault applied."""
    if stream:
        return stream_response(render_stream(), model)
    return json_answer(model, render_json())


_OPENAI_FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]+")


def check_function_name(name: str, param: str) -> None:
    """OpenAI's rule for a function tool's name (Responses and Chat Completions alike), with its messages."""
    if not _OPENAI_FUNCTION_NAME.fullmatch(name):
        raise Fault(
            400,
            f"Invalid '{param}': string does not match pattern. Expected a string that matches the pattern "
            "'^[a-zA-Z0-9_-]+$'.",
            param=param,
            code="invalid_value",
        )
    if len(name) > 64:
        raise Fault(
            400,
            f"Invalid '{param}': string too long. Expected a string with maximum length 64, but got a string with "
            f"length {len(name)} instead.",
            param=param,
            code="string_above_max_length",
        )


def route_table(*table: tuple[str, Callable[[Request], Awaitable[Response]]]) -> list[BaseRoute]:
    """Routes from rows of ("METHOD /path", endpoint)."""
    routes: list[BaseRoute] = []
    for route, endpoint in table:
        method, path = route.split(" ", 1)
        routes.append(Route(path, endpoint, methods=[method]))
    return routes
