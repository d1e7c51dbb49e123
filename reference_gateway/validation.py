"""Request bodies checked before anything else: JSON that is finite, valid Unicode and not too deep, then the type of
every field the gateway reads. A wrong type is a 400 that names its `param`, never a 500 further down.

The field list follows OpenAI's published `CreateResponse` schema for the fields this gateway reads or forwards;
fields it does not know are left to the upstream (native) or the capability table (translated).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

from reference_gateway.errors import GatewayError

Check = Callable[[Any, str], None]


def invalid(param: str, message: str) -> GatewayError:
    return GatewayError(400, f"Invalid '{param}': {message}", param=param, code="invalid_value")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "an array"}
    return names.get(type(value), "an object")


def wrong_type(param: str, expected: str, value: Any) -> GatewayError:
    return GatewayError(
        400,
        f"Invalid type for '{param}': expected {expected}, but got {_kind(value)} instead.",
        param=param,
        code="invalid_type",
    )


# JSON ------------------------------------------------------------------------------------------------------------
def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (numbers must be finite)")


class _NotFinite:
    """A number literal that does not read as a finite double (`1e400`): kept as found, so that the walk over the
    tree can name where it is; every such literal is refused before the body goes anywhere."""

    __slots__ = ("literal",)

    def __init__(self, literal: str) -> None:
        self.literal = literal


def _finite_float(literal: str) -> float | _NotFinite:
    value = float(literal)
    return value if math.isfinite(value) else _NotFinite(literal)


def parse_json(raw: bytes, *, max_depth: int) -> Any:
    """Parse a request body: strict JSON (no NaN or Infinity, and every number a finite double), valid UTF-8
    without lone surrogates, and nested no deeper than `max_depth`. Raise a 400 GatewayError otherwise.

    Every body the gateway reads comes through here: HTTP bodies, conversation writes and websocket frames."""
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, parse_constant=_no_constants, parse_float=_finite_float)
    except UnicodeDecodeError as exc:
        raise GatewayError(400, f"The request body is not valid UTF-8: {exc.reason} at byte {exc.start}.") from exc
    except RecursionError as exc:
        raise GatewayError(400, f"The JSON body is nested more than {max_depth} levels deep.") from exc
    except ValueError as exc:
        raise GatewayError(400, f"We could not parse the JSON body of your request: {exc}") from exc
    _check_tree(value, max_depth)
    return value


def _check_tree(value: Any, max_depth: int) -> None:
    """One pass over the parsed tree: its depth, every string encodable (JSON's \\ud800 escapes are not), and every
    number finite."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > max_depth:
                raise GatewayError(400, f"The JSON body is nested more than {max_depth} levels deep.")
            for key, child in node.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(node, list):
            if depth > max_depth:
                raise GatewayError(400, f"The JSON body is nested more than {max_depth} levels deep.")
            stack.extend((child, depth + 1) for child in node)
        elif isinstance(node, str):
            _check_text(node)
        elif isinstance(node, _NotFinite):
            raise _not_finite(value, node, max_depth)


def _not_finite(tree: Any, found: _NotFinite, max_depth: int) -> GatewayError:
    param = _path_to(tree, found, max_depth)
    where = f"'{param}'" if param else "the JSON body"
    return GatewayError(
        400,
        f"Invalid number for {where}: {found.literal[:40]} is out of range; numbers must be finite "
        "(at most about 1.8e308 in magnitude, as a 64-bit float).",
        param=param,
        code="invalid_value",
    )


def _path_to(node: Any, target: object, levels: int, path: str = "") -> str | None:
    """The param path (`input[0].content[1].x`) of `target` within `levels` levels of the tree, or None (also when
    `target` is the tree itself)."""
    if node is target:
        return path or None
    if levels <= 0:
        return None
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        step = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
        found = _path_to(child, target, levels - 1, step)
        if found is not None:
            return found
    return None


def _check_text(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise GatewayError(400, "The JSON body holds a string with a lone surrogate (an invalid \\u escape).") from exc


# field checks ----------------------------------------------------------------------------------------------------
def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _type_check(words: str, test: Callable[[Any], bool]) -> Callable[[Any, str], None]:
    """A check that `value` is of one JSON type, refusing it with a 400 that says which (`words`)."""

    def check(value: Any, param: str) -> None:
        if not test(value):
            raise wrong_type(param, words, value)

    return check


_string = _type_check("a string", lambda value: isinstance(value, str))
_boolean = _type_check("a boolean", lambda value: isinstance(value, bool))
_integer = _type_check("an integer", is_int)
_number = _type_check("a number", lambda value: not isinstance(value, bool) and isinstance(value, (int, float)))
_obj = _type_check("an object", lambda value: isinstance(value, dict))


def _strings(value: Any, param: str) -> None:
    if not isinstance(value, list):
        raise wrong_type(param, "an array of strings", value)
    for n, entry in enumerate(value):
        _string(entry, f"{param}[{n}]")


def _metadata(value: Any, param: str) -> None:
    _obj(value, param)
    if len(value) > 16:
        raise invalid(param, "at most 16 key-value pairs.")
    for key, text in value.items():
        if not isinstance(text, str) or len(key) > 64 or len(text) > 512:
            raise invalid(f"{param}.{key}", "keys are strings of up to 64 characters, values strings of up to 512.")


def _one_of(*choices: str) -> Check:
    def check(value: Any, param: str) -> None:
        _string(value, param)
        if value not in choices:
            raise invalid(param, f"{value!r}; expected one of {', '.join(repr(c) for c in choices)}.")

    return check


def _tool_choice(value: Any, param: str) -> None:
    if isinstance(value, str):
        _one_of("none", "auto", "required")(value, param)
        return
    _obj(value, param)
    _string(value.get("type"), f"{param}.type")
    if value["type"] == "function":
        _string(value.get("name"), f"{param}.name")


def _typed_objects(value: Any, param: str, words: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Each entry of an array of objects that carry a string `type`, with where it is (`tools[2]`)."""
    if not isinstance(value, list):
        raise wrong_type(param, words, value)
    for n, entry in enumerate(value):
        where = f"{param}[{n}]"
        _obj(entry, where)
        _string(entry.get("type"), f"{where}.type")
        yield entry, where


def _tools(value: Any, param: str) -> None:
    for tool, where in _typed_objects(value, param, "an array of tools"):
        if tool["type"] != "function":
            continue
        _string(tool.get("name"), f"{where}.name")
        if not tool["name"]:
            raise invalid(f"{where}.name", "a function tool needs a non-empty name.")
        _optional(tool, "parameters", _obj, where)
        _optional(tool, "strict", _boolean, where)
        _optional(tool, "description", _string, where)


def _text(value: Any, param: str) -> None:
    _obj(value, param)
    _optional(value, "verbosity", _one_of("low", "medium", "high"), param)
    fmt = value.get("format")
    if fmt is None:
        return
    where = f"{param}.format"
    _obj(fmt, where)
    _one_of("text", "json_schema", "json_object")(fmt.get("type"), f"{where}.type")
    if fmt["type"] == "json_schema":
        _string(fmt.get("name"), f"{where}.name")
        _obj(fmt.get("schema"), f"{where}.schema")
        _optional(fmt, "strict", _boolean, where)


def _conversation(value: Any, param: str) -> None:
    if isinstance(value, dict):
        _string(value.get("id"), f"{param}.id")
    else:
        _string(value, param)


def _content_parts(value: Any, param: str) -> None:
    if isinstance(value, str):
        return
    for part, where in _typed_objects(value, param, "a string or an array of content parts"):
        if part["type"] in ("input_text", "output_text", "text", "summary_text", "refusal"):
            _string(part.get("text", part.get("refusal")), f"{where}.text")
        elif part["type"] == "input_image":
            _optional(part, "image_url", _string, where)


def check_item(item: Any, param: str) -> None:
    """One input item (or conversation item): the fields the gateway reads, by type. Unknown types are left to
    the capability table, which forwards or refuses them by name."""
    _obj(item, param)
    _optional(item, "id", _string, param)
    kind = item.get("type", "message")
    _string(kind, f"{param}.type")
    if kind == "message":
        _one_of("user", "assistant", "system", "developer")(item.get("role"), f"{param}.role")
        _content_parts(item.get("content"), f"{param}.content")
    elif kind == "function_call":
        for name in ("call_id", "name", "arguments"):
            _string(item.get(name), f"{param}.{name}")
    elif kind == "function_call_output":
        _string(item.get("call_id"), f"{param}.call_id")
        _content_parts(item.get("output"), f"{param}.output")
    elif kind == "compaction":
        _string(item.get("encrypted_content"), f"{param}.encrypted_content")


def _input(value: Any, param: str) -> None:
    if isinstance(value, str):
        return
    if not isinstance(value, list):
        raise wrong_type(param, "a string or an array of input items", value)
    for n, item in enumerate(value):
        check_item(item, f"{param}[{n}]")


FIELDS: dict[str, Check] = {
    "model": _string,
    "input": _input,
    "instructions": _string,
    "tools": _tools,
    "tool_choice": _tool_choice,
    "parallel_tool_calls": _boolean,
    "text": _text,
    "stream": _boolean,
    "store": _boolean,
    "background": _boolean,
    "previous_response_id": _string,
    "conversation": _conversation,
    "metadata": _metadata,
    "temperature": _number,
    "top_p": _number,
    "max_output_tokens": _integer,
    "max_tool_calls": _integer,
    "top_logprobs": _integer,
    "truncation": _one_of("auto", "disabled"),
    "include": _strings,
    "reasoning": _obj,
    "stream_options": _obj,
    "user": _string,
    "prompt_cache_key": _string,
    "safety_identifier": _string,
    "service_tier": _string,
    "prompt": _obj,
}


def _optional(body: dict[str, Any], name: str, check: Check, parent: str = "") -> None:
    value = body.get(name)
    if value is not None:
        check(value, f"{parent}.{name}" if parent else name)


def check_request(body: dict[str, Any]) -> dict[str, Any]:
    """Check a Responses request body (create, input_tokens, compact); null means absent, as in OpenAI's API."""
    for name, check in FIELDS.items():
        _optional(body, name, check)
    return body
