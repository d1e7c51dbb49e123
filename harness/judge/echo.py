"""A response echoes what was asked: the parameters of a `POST .../responses` come back in the Response, in a plain
answer and in every `response` snapshot of a stream. A gateway that answers with other values has either changed
the request on its way upstream or reports something it did not do; both are findings.

Levels: the model named in a stream's snapshots is a MUST (clients read it there, and the Agents SDK records it);
everything else is a SHOULD. A dated snapshot of the requested model (`gpt-5-mini` -> `gpt-5-mini-2025-08-07`) is
the same model, as OpenAI answers it.

Only the fields the Responses API defines are compared: OpenAI's Response schema (schemas/openai/Response.json),
and the Open Responses ResponseResource, which also defines `store` and the penalties OpenAI's wire carries. Fields a
gateway adds (`usage.cost`, `x_litellm_*`) are extensions, not disagreements: `extensions()` lists them,
`defined_only()` leaves them out, and neither the echo check nor the consistency probe ever fails on them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from harness.judge.report import Report
from harness.judge.schemas import SCHEMA_DIR
from harness.model import Level
from harness.wire import Exchange

CREATE = re.compile(r"/responses$")
DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})")


def _model(asked: Any, echoed: Any) -> bool:
    if not isinstance(asked, str) or not isinstance(echoed, str):
        return bool(asked == echoed)
    return echoed == asked or (echoed.startswith(asked + "-") and DATED.fullmatch(echoed[len(asked) :]) is not None)


def _number(asked: Any, echoed: Any) -> bool:
    if isinstance(asked, bool) or not isinstance(asked, (int, float)):
        return True
    return isinstance(echoed, (int, float)) and not isinstance(echoed, bool) and math.isclose(asked, echoed)


def _type_matches(asked: Any, echoed: Any) -> bool:
    # OpenAI may echo a hosted tool under a dated type (web_search_preview_2025_03_11).
    return isinstance(asked, str) and isinstance(echoed, str) and (echoed == asked or echoed.startswith(asked + "_"))


def _tool_choice(asked: Any, echoed: Any) -> bool:
    if isinstance(asked, str):
        return bool(echoed == asked)
    if not isinstance(asked, dict) or not isinstance(echoed, dict):
        return bool(asked == echoed)
    if not _type_matches(asked.get("type"), echoed.get("type")):
        return False
    if asked.get("type") == "function":
        return bool(asked.get("name") == echoed.get("name"))
    if asked.get("type") == "allowed_tools":
        names = [t.get("name") for t in asked.get("tools") or [] if isinstance(t, dict)]
        got = [t.get("name") for t in echoed.get("tools") or [] if isinstance(t, dict)]
        return asked.get("mode") == echoed.get("mode") and names == got
    return True


def _tools(asked: Any, echoed: Any) -> bool:
    if not isinstance(asked, list):
        return True
    if not isinstance(echoed, list) or len(echoed) != len(asked):
        return False
    for sent, got in zip(asked, echoed, strict=True):
        if not isinstance(sent, dict) or not isinstance(got, dict):
            return False
        if not _type_matches(sent.get("type"), got.get("type")):
            return False
        if sent.get("type") == "function":
            if sent.get("name") != got.get("name"):
                return False
            if isinstance(sent.get("strict"), bool) and got.get("strict") != sent["strict"]:
                return False
    return True


def _same(asked: Any, echoed: Any) -> bool:
    return bool(asked == echoed)


# field -> (how an echo is compared, whether the request's value is one the echo must carry). How to compare a field
# is ours to say; which fields exist is the schema's: one it does not define is never compared (`_check`).
FIELDS: dict[str, tuple[Callable[[Any, Any], bool], Callable[[Any], bool]]] = {
    "model": (_model, lambda v: isinstance(v, str)),
    "tool_choice": (_tool_choice, lambda v: isinstance(v, (str, dict))),
    "tools": (_tools, lambda v: isinstance(v, list)),
    "parallel_tool_calls": (_same, lambda v: isinstance(v, bool)),
    "instructions": (_same, lambda v: isinstance(v, str)),
    "metadata": (_same, lambda v: isinstance(v, dict) and bool(v)),
    "max_output_tokens": (_number, lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "temperature": (_number, lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
    "top_p": (_number, lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)),
}


# What the Responses API defines ---------------------------------------------------------------------------------
# OpenAI's published Response schema, and the Open Responses ResponseResource, which also defines the fields OpenAI's
# own wire carries but its published schema leaves out (`store`, `frequency_penalty`, `presence_penalty`).
RESPONSE_SCHEMAS = (("openai/Response.json", "Response"), ("openresponses/ResponseResource.json", "ResponseResource"))
_STRUCTURE = ("$ref", "allOf", "anyOf", "oneOf", "properties", "type")
View = tuple[dict[str, Any], Any]  # a schema node and the $defs its references resolve in


@cache
def _roots() -> tuple[View, ...]:
    roots = []
    for path, name in RESPONSE_SCHEMAS:
        defs: dict[str, Any] = json.loads((SCHEMA_DIR / path).read_text())["$defs"]
        roots.append((defs, defs[name]))
    return tuple(roots)


def _properties(defs: dict[str, Any], node: Any, depth: int = 0) -> dict[str, Any] | None:
    """The properties of the one object type a schema node allows (through `$ref`, `allOf`, and an `anyOf`/`oneOf`
    whose only non-null member is an object), or None: not an object, a union of several objects (output items,
    tools: their members differ), or a map whose keys are data (`additionalProperties`, as metadata)."""
    if not isinstance(node, dict) or depth > 20:
        return None
    if isinstance(node.get("$ref"), str):
        return _properties(defs, defs.get(node["$ref"].rsplit("/", 1)[-1]), depth + 1)
    if isinstance(node.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in node["allOf"]:
            if isinstance(part, dict) and not any(key in part for key in _STRUCTURE):
                continue  # annotations only (`{}`, a description)
            found = _properties(defs, part, depth + 1)
            if found is None:
                return None
            merged.update(found)
        return merged
    for union in ("anyOf", "oneOf"):
        if isinstance(node.get(union), list):
            members = [m for m in node[union] if not (isinstance(m, dict) and m.get("type") == "null")]
            return _properties(defs, members[0], depth + 1) if len(members) == 1 else None
    if node.get("additionalProperties") not in (None, False) or not isinstance(node.get("properties"), dict):
        return None
    props: dict[str, Any] = node["properties"]
    return props


def defined_fields() -> frozenset[str]:
    """The top-level fields of a Response, as the schemas define them."""
    return frozenset(key for defs, node in _roots() for key in _properties(defs, node) or {})


def _walk(value: Any, views: list[View], path: str, found: list[str]) -> Any:
    """`value` with the fields no view defines left out (their paths added to `found`). An object is entered only
    where some view knows its one type; a value no view describes as an object is kept whole."""
    if not isinstance(value, dict):
        return value
    known = [(defs, props) for defs, node in views if (props := _properties(defs, node)) is not None]
    if not known:
        return value
    kept = {}
    for key, sub in value.items():
        where = f"{path}.{key}" if path else key
        inner = [(defs, props[key]) for defs, props in known if key in props]
        if inner:
            kept[key] = _walk(sub, inner, where, found)
        else:
            found.append(where)
    return kept


def extensions(response: Any) -> list[str]:
    """The paths of the fields in a Response that the Responses API does not define (`usage.cost`,
    `x_litellm_model_id`): in the object itself and in every nested object of one known type; the items of a union
    (output, tools) are not entered."""
    found: list[str] = []
    _walk(response, list(_roots()), "", found)
    return sorted(found)


def defined_only(response: Any) -> Any:
    """A Response without the fields the Responses API does not define (see `extensions`)."""
    return _walk(response, list(_roots()), "", [])


def _short(value: Any) -> str:
    return repr(value)[:160]


def _check(asked: dict[str, Any], response: dict[str, Any], where: str, stream: bool, report: Report) -> None:
    defined = defined_fields()
    for name, (same, applies) in FIELDS.items():
        if name not in defined or name not in asked or not applies(asked[name]):
            continue
        echoed = response.get(name)
        if same(asked[name], echoed):
            continue
        level = Level.MUST if stream and name == "model" else Level.SHOULD
        report.add(
            f"echo.{name}",
            level,
            f"the response does not echo the requested {name}",
            f"{where}$.{name}" if not stream else f"{where} $.response.{name}",
            expected=_short(asked[name]),
            received=_short(echoed),
        )


def judge_echo(ex: Exchange, report: Report) -> None:
    """Compare a created response (plain, or every snapshot of its stream) with what the request asked for."""
    if ex.method != "POST" or ex.status != 200 or not CREATE.search(ex.path):
        return
    asked = ex.request_json
    if not isinstance(asked, dict):
        return
    if ex.sse is not None:
        reported: set[str] = set()
        for event in ex.sse.events:
            payload = event.payload
            snapshot = payload.get("response") if isinstance(payload, dict) else None
            if not isinstance(snapshot, dict):
                continue
            sub = Report(report.exchange)
            _check(asked, snapshot, f"event {event.index} {payload.get('type')}", True, sub)
            for finding in sub.findings:
                if finding.rule not in reported:  # one finding per field per stream: later snapshots repeat it
                    reported.add(finding.rule)
                    report.findings.append(finding)
        return
    if isinstance(ex.response_json, dict) and ex.response_json.get("object") == "response":
        _check(asked, ex.response_json, "", False, report)
