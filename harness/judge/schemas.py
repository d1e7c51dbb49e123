"""The generated schema files with their strictness overlay applied, and validators compiled once per level.

schemas/index.json says which file judges which answer (for the `sdk` level, the index that harness.sdk_schemas
derives from the installed SDK's own models); schemas/overlays/<level>.json says how strictly.
An overlay is data (see schemas/README.md): rules naming a definition and a JSON path inside it, applied here to
the `$defs` of every file that holds that definition.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from harness import sdk_schemas
from harness.model import Strictness

# harness/schemas links to the top-level schemas/ folder, so a built wheel carries the files themselves.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SPEC_OF = {Strictness.SDK: "sdk", Strictness.OPENAI: "openai", Strictness.OPENRESPONSES: "openresponses"}
# The same resource under another name in the Open Responses specification.
ALIASES = {"openresponses": {"Response": "ResponseResource"}}
OPS = ("nullable", "optional", "require_only", "replace", "allow_additional")


def _load(name: str) -> Any:
    # The `sdk` files are the installed SDK's: the committed snapshot, or a set derived and cached for its version.
    spec, _, rest = name.partition("/")
    path = sdk_schemas.folder() / rest if spec == "sdk" else SCHEMA_DIR / name
    return json.loads(path.read_text())


class _Index(dict[str, Any]):
    """Per spec: `schemas` (files), `endpoints` (rows naming a file), `events` (`type` -> file). The `sdk` part is
    read (and, for an SDK version without a snapshot, derived) only when a run judges at that level."""

    def __missing__(self, spec: str) -> Any:
        if spec != "sdk":
            raise KeyError(spec)
        self[spec] = _load("sdk/index.json")
        return self[spec]


@cache
def index() -> dict[str, Any]:
    return _Index(_load("index.json"))


@cache
def overlay(level: Strictness) -> dict[str, Any]:
    """The level's overlay with the ones it `extends` merged in front (rules) and under it (settings)."""
    data = dict(_load(f"overlays/{level.value}.json"))
    parent = data.get("extends")
    if not parent:
        return data
    base = overlay(Strictness(parent))
    merged = {**base, **data}
    merged["rules"] = [*base.get("rules", []), *data.get("rules", [])]
    merged["events"] = {**base.get("events", {}), **data.get("events", {})}
    merged["stream"] = {**base.get("stream", {}), **data.get("stream", {})}
    return merged


def _overlay_for(level: Strictness, spec: str) -> dict[str, Any]:
    # A level's rules are written for its own spec; an OpenAI file judged at another level (an endpoint Open
    # Responses does not define, an answer the SDK has no model for) is read the way the `openai` level reads it.
    return overlay(level if SPEC_OF[level] == spec else Strictness.OPENAI)


def _walk(node: Any, path: list[Any]) -> Any:
    for step in path:
        node = node[step]
    return node


def _require_only(defs: dict[str, Any], node: dict[str, Any], keep: set[str]) -> None:
    # Properties of an allOf composition live in its parts, so the filter follows allOf into them.
    if "required" in node:
        node["required"] = [f for f in node["required"] if f in keep]
    for part in node.get("allOf", []):
        ref = part.get("$ref", "")
        _require_only(defs, defs[ref.rsplit("/", 1)[-1]] if ref.startswith("#/$defs/") else part, keep)


def apply_rule(defs: dict[str, Any], rule: dict[str, Any]) -> None:
    op, path = rule["op"], list(rule.get("path", []))
    if op not in OPS:
        raise ValueError(f"unknown overlay op {op!r}")
    node = _walk(defs[rule["def"]], path)
    if op == "nullable":
        for name in rule["fields"]:
            node["properties"][name] = {"anyOf": [node["properties"][name], {"type": "null"}]}
    elif op == "optional":
        node["required"] = [f for f in node.get("required", []) if f not in rule["fields"]]
    elif op == "require_only":
        _require_only(defs, node, set(rule["fields"]))
    elif op == "replace":
        parent = _walk(defs[rule["def"]], path[:-1])
        parent[path[-1]] = rule["with"]
    elif op == "allow_additional":
        node.pop("additionalProperties", None)


@cache
def document(level: Strictness, file: str) -> dict[str, Any]:
    """The schema file `file` (relative to schemas/) with the level's overlay applied."""
    data = copy.deepcopy(_load(file))
    spec = file.split("/", 1)[0]
    settings = _overlay_for(level, spec)
    defs = data["$defs"]
    for rule in settings.get("rules", []):
        if rule["def"] in defs:
            apply_rule(defs, rule)
    root = data["$ref"].rsplit("/", 1)[-1]
    if file in index()[spec]["events"].values():
        for name in settings.get("events", {}).get("optional", []):
            _require_only(defs, defs[root], set(_required(defs, defs[root])) - {name})
    return dict(data)


def _required(defs: dict[str, Any], node: dict[str, Any]) -> list[str]:
    out = list(node.get("required", []))
    for part in node.get("allOf", []):
        ref = part.get("$ref", "")
        out += _required(defs, defs[ref.rsplit("/", 1)[-1]] if ref.startswith("#/$defs/") else part)
    return out


@cache
def validator(level: Strictness, file: str) -> Draft202012Validator:
    return Draft202012Validator(document(level, file))


def schema_file(level: Strictness, name: str) -> str | None:
    """The file for a top-level schema name, in the level's spec or else in OpenAI's."""
    for spec in dict.fromkeys((SPEC_OF[level], "openai")):
        file = f"{spec}/{ALIASES.get(spec, {}).get(name, name)}.json"
        if file in index()[spec]["schemas"]:
            return file
    return None


def event_file(level: Strictness, event_type: str) -> str | None:
    """The file for a stream event: the level's spec; at `sdk` level OpenAI's where the SDK has no model for it."""
    specs = (SPEC_OF[level], "openai") if level is Strictness.SDK else (SPEC_OF[level],)
    return next((f for f in (index()[spec]["events"].get(event_type) for spec in specs) if f), None)


@cache
def _routes(spec: str) -> list[tuple[str, re.Pattern[str], str, str, str]]:
    rows = []
    for row in index()[spec]["endpoints"]:
        # A gateway mounts the API under any prefix (/v1, /openai/v1 ...): the template must match the path's end.
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(row["path"])) + "$"
        rows.append((row["method"], re.compile(pattern), row["status"], row["content_type"], row["schema"]))
    return rows


def endpoint_file(level: Strictness, method: str, path: str, status: int, content_type: str) -> str | None:
    """The schema file for an answer, from the index: the level's spec first, OpenAI's for what it lacks."""
    status_class = f"{status // 100}xx"
    for spec in dict.fromkeys((SPEC_OF[level], "openai")):
        for row_method, pattern, row_status, row_type, schema in _routes(spec):
            if (row_method, row_status, row_type) == (method, status_class, content_type) and pattern.search(path):
                return schema
    return None


def schema_errors(file: str, instance: Any, level: Strictness) -> list[tuple[str, str]]:
    """(JSON path, what is wrong there) for every way `instance` breaks the file's schema at `level`, each union
    resolved to the real cause (see `causes`)."""
    errors = sorted(validator(level, file).iter_errors(instance), key=lambda e: list(e.absolute_path))
    out: list[tuple[str, str]] = []
    for error in _prefer_type(errors):
        for cause in causes(error):
            if cause not in out:
                out.append(cause)
    return out


def validate_file(file: str, instance: Any, level: Strictness) -> list[str]:
    return [f"{where}: {text}" for where, text in schema_errors(file, instance, level)]


def validate(name: str, instance: Any, level: Strictness) -> list[str]:
    """Messages for every way `instance` breaks top-level schema `name` at `level` (empty when valid)."""
    file = schema_file(level, name)
    if file is None:
        raise KeyError(f"no schema named {name!r} in schemas/index.json")
    return validate_file(file, instance, level)


def _where(error: ValidationError) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def _json(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _allowed(error: ValidationError) -> list[Any]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    return list(schema.get("enum", [])) or ([schema["const"]] if "const" in schema else [])


def _branches(error: ValidationError) -> dict[Any, list[ValidationError]]:
    """A union's errors grouped by the member (anyOf/oneOf index) they came from."""
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(next(iter(sub.relative_schema_path), None), []).append(sub)
    return branches


def _wrong_tags(error: ValidationError, at: list[Any]) -> list[Any] | None:
    """The tags a union member allows when `error` says the instance at `at` is not that member because its
    `type` differs (also through nested unions, where every member must say so); None when it says otherwise."""
    if error.validator in ("const", "enum") and list(error.absolute_path) == [*at, "type"]:
        return _allowed(error)
    if error.validator == "not" and list(error.absolute_path) == [*at, "type"]:
        return []  # the `sdk` level's member for the tags a union does not know: the instance has a known one
    if error.validator in ("anyOf", "oneOf") and list(error.absolute_path) == at and error.context:
        tags: list[Any] = []
        for members in _branches(error).values():
            found = next((t for t in (_wrong_tags(e, at) for e in members) if t is not None), None)
            if found is None:
                return None
            tags += found
        return tags
    return None


def _text(error: ValidationError) -> str:
    """jsonschema's message, with the instance written as JSON (null, true) rather than as Python."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "type":
        types = schema.get("type")
        wanted = ", ".join(repr(t) for t in types) if isinstance(types, list) else repr(types)
        return f"{_json(error.instance)} is not of type {wanted}"
    if error.validator == "enum":
        return f"{_json(error.instance)} is not one of {_json(schema.get('enum'))}"
    if error.validator == "const":
        return f"{_json(error.instance)} is not {_json(schema.get('const'))}"
    return str(error.message)[:240]


def causes(error: ValidationError) -> list[tuple[str, str]]:
    """The real cause of `error` as (path, text). For an anyOf/oneOf, the member is chosen by the discriminator
    (members whose `type` const/enum rejects the instance's `type`, or whose JSON type does not fit, are ruled out;
    of the rest, the one with the fewest errors) and every error inside it is reported, each followed down to its
    deepest cause with its path, instead of "... is not valid under any of the given schemas" or a complaint from a
    member the instance never meant to be."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [(_where(error), _text(error))]
    at = list(error.absolute_path)
    branches = {k: _prefer_type(v) for k, v in _branches(error).items()}
    tags = {k: _wrong_tags_of(v, at) for k, v in branches.items()}
    # Members the instance cannot have meant: another `type` tag, or another JSON type altogether (null, string).
    kind = {k for k, v in branches.items() if any(e.validator == "type" and list(e.absolute_path) == at for e in v)}
    meant = {k: v for k, v in branches.items() if tags[k] is None and k not in kind}
    if not meant and any(t is not None for t in tags.values()):
        allowed = sorted({str(t) for found in tags.values() for t in found or ()})
        found = error.instance.get("type") if isinstance(error.instance, dict) else error.instance
        return [(_where(error) + ".type", f"{_json(found)} is none of the types {', '.join(allowed)}"[:400])]
    if not meant:
        wanted = sorted({repr(t) for k in kind for e in branches[k] if e.validator == "type" for t in _types(e)})
        return [(_where(error), f"{_json(error.instance)} is not of type {', '.join(wanted)}")]
    closest = min(meant.values(), key=lambda members: (len(members), -max(len(e.absolute_path) for e in members)))
    out: list[tuple[str, str]] = []
    for sub in sorted(closest, key=lambda e: list(e.absolute_path)):
        out += [cause for cause in causes(sub) if cause not in out]
    return out


def _prefer_type(errors: list[ValidationError]) -> list[ValidationError]:
    """Where a value has the wrong JSON type, that is the cause: its enum or format errors at the same path go."""
    typed = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    return [e for e in errors if e.validator == "type" or tuple(e.absolute_path) not in typed]


def _wrong_tags_of(members: list[ValidationError], at: list[Any]) -> list[Any] | None:
    return next((t for t in (_wrong_tags(e, at) for e in members) if t is not None), None)


def _types(error: ValidationError) -> list[Any]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    types = schema.get("type")
    return types if isinstance(types, list) else [types]


def describe(error: ValidationError) -> str:
    """`$.path: message` for the first real cause of `error` (see `causes`)."""
    where, text = causes(error)[0]
    return f"{where}: {text}"
