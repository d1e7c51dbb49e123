"""Schema bundles with their strictness overlay applied, and cached validators by definition name."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from harness.model import Strictness

# harness/schemas links to the top-level schemas/ folder, so a built wheel carries the files themselves.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
BUNDLE_OF = {Strictness.SDK: "openai", Strictness.OPENAI: "openai", Strictness.OPENRESPONSES: "openresponses"}
# Endpoint schemas in the Open Responses bundle, where it has them; others fall back to OpenAI's.
OPENRESPONSES_NAMES = {"Response": "ResponseResource"}


def _walk(node: Any, path: list[Any]) -> Any:
    for step in path:
        node = node[step]
    return node


def _apply(defs: dict[str, Any], overlay: dict[str, Any], event_defs: set[str]) -> None:
    for rule in overlay.get("nullable", []):
        parent = _walk(defs[rule["def"]], rule["path"][:-1])
        key = rule["path"][-1]
        parent[key] = {"anyOf": [parent[key], {"type": "null"}]}
    for rule in overlay.get("replace", []):
        parent = _walk(defs[rule["def"]], rule["path"][:-1])
        parent[rule["path"][-1]] = rule["with"]
    for rule in overlay.get("optional", []):
        node = _walk(defs[rule["def"]], rule.get("path", []))
        node["required"] = [f for f in node.get("required", []) if f not in rule["fields"]]
    for field in overlay.get("event_optional", []):
        for name in event_defs:
            node = defs[name]
            node["required"] = [f for f in node.get("required", []) if f != field]


@cache
def bundle(level: Strictness) -> dict[str, Any]:
    data = json.loads((SCHEMA_DIR / f"{BUNDLE_OF[level]}.json").read_text())
    defs = copy.deepcopy(data["$defs"])
    chain: list[str] = []
    name: str | None = level.value
    while name:
        chain.insert(0, name)
        name = json.loads((SCHEMA_DIR / "overlays" / f"{name}.json").read_text()).get("extends")
    for name in chain:
        overlay = json.loads((SCHEMA_DIR / "overlays" / f"{name}.json").read_text())
        _apply(defs, overlay, set(data["events"].values()))
    return {"defs": defs, "events": data["events"]}


@cache
def _validator(level: Strictness, name: str) -> Draft202012Validator:
    defs = bundle(level)["defs"]
    return Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": defs})


def resolve(level: Strictness, name: str) -> str | None:
    defs = bundle(level)["defs"]
    if level is Strictness.OPENRESPONSES:
        name = OPENRESPONSES_NAMES.get(name, name)
    return name if name in defs else None


def event_schema(level: Strictness, event_type: str) -> str | None:
    return bundle(level)["events"].get(event_type)


def validate(name: str, instance: Any, level: Strictness) -> list[str]:
    """Messages for every way `instance` breaks definition `name` at `level` (empty when valid)."""
    resolved = resolve(level, name)
    if resolved is None and level is Strictness.OPENRESPONSES:
        level, resolved = Strictness.OPENAI, resolve(Strictness.OPENAI, name)
    if resolved is None:
        return []
    errors = sorted(_validator(level, resolved).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [_describe(e) for e in errors]


def validate_event(instance: dict[str, Any], level: Strictness) -> list[str] | None:
    """None when the event type is unknown to the level's specification."""
    name = event_schema(level, str(instance.get("type")))
    if name is None:
        return None
    errors = sorted(_validator(level, name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [_describe(e) for e in errors]


def _describe(error: Any) -> str:
    where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    best = error
    if error.context:
        # For a union, report the branch that came closest: the one with the fewest errors.
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(next(iter(sub.schema_path)), []).append(sub)
        best = min(branches.values(), key=len)[0]
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in best.absolute_path)
    return f"{where}: {best.message[:240]}"
