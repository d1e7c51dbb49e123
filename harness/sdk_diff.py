"""What changed in the `sdk` level between two openai-python versions: event types, endpoints, and per definition
the fields that appeared, went, became required or optional, or changed type.

`gateway-conformance sdk-schemas --diff [BASE] [--new NEW]`; BASE and NEW are a version (the committed snapshot or
a set cached by an earlier run with that version installed) or a folder; by default BASE is the committed snapshot
(the locked version) and NEW the installed SDK's set, derived if need be.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import sdk_schemas


@dataclass(frozen=True)
class SchemaSet:
    version: str
    where: Path
    index: dict[str, Any]
    defs: dict[str, dict[str, Any]]  # definition name -> its schema (the first file holding it)


def locate(spec: str | None) -> Path:
    """A folder of `sdk` files for a version or a path; None is the installed SDK's."""
    if spec is None:
        return sdk_schemas.folder()
    if Path(spec).is_dir():
        return Path(spec)
    if spec == sdk_schemas.snapshot_version():
        return sdk_schemas.SNAPSHOT
    cached = sdk_schemas.cached_folder(spec)
    if (cached / "index.json").exists():
        return cached
    known = sorted(p.name.removeprefix("openai-") for p in cached.parent.glob("openai-*"))
    raise ValueError(
        f"no sdk schemas for openai {spec}: the snapshot is {sdk_schemas.snapshot_version()}, cached: "
        f"{', '.join(known) or 'none'} (a run with that version installed caches its set)"
    )


def load(where: Path) -> SchemaSet:
    index = json.loads((where / "index.json").read_text())
    defs: dict[str, dict[str, Any]] = {}
    for path in sorted(where.glob("*.json")):
        if path.name != "index.json":
            for name, node in json.loads(path.read_text()).get("$defs", {}).items():
                defs.setdefault(name, node)
    return SchemaSet(str(index.get("openai_version")), where, index, defs)


def _fields(node: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    return dict(node.get("properties", {})), set(node.get("required", []))


def _kind(schema: Any) -> str:
    """A short JSON-type reading of a property's schema (refs by name), to tell a type change from a doc change."""
    if not isinstance(schema, dict):
        return "?"
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(sorted({_kind(s) for s in schema["anyOf"]}))
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "enum"  # its values are compared apart (_values)
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {_kind(schema.get('items'))}"
    return str(kind)


def _values(schema: Any) -> set[str]:
    """Every enum value and const anywhere in a property's schema."""
    if isinstance(schema, list):
        return set().union(*(_values(s) for s in schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = {str(v) for v in schema.get("enum", [])} | ({str(schema["const"])} if "const" in schema else set())
    return found.union(*(_values(v) for k, v in schema.items() if k not in ("enum", "const")))


def _listed(values: set[str], limit: int = 6) -> str:
    shown = sorted(values)
    more = f" (+{len(shown) - limit} more)" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def diff(base: SchemaSet, new: SchemaSet) -> list[str]:
    """One line per change, grouped: events, endpoints, then definitions in name order."""
    lines: list[str] = []
    old_events, new_events = set(base.index.get("events", {})), set(new.index.get("events", {}))
    lines += [f"event type added: {t}" for t in sorted(new_events - old_events)]
    lines += [f"event type removed: {t}" for t in sorted(old_events - new_events)]

    def rows(s: SchemaSet) -> set[str]:
        return {f"{r['method']} {r['path']} -> {r['schema']}" for r in s.index.get("endpoints", [])}

    lines += [f"endpoint added: {r}" for r in sorted(rows(new) - rows(base))]
    lines += [f"endpoint removed: {r}" for r in sorted(rows(base) - rows(new))]
    lines += [f"definition added: {d}" for d in sorted(set(new.defs) - set(base.defs))]
    lines += [f"definition removed: {d}" for d in sorted(set(base.defs) - set(new.defs))]
    for name in sorted(set(base.defs) & set(new.defs)):
        (old_props, old_req), (new_props, new_req) = _fields(base.defs[name]), _fields(new.defs[name])
        for field in sorted(set(new_props) | set(old_props)):
            where = f"{name}.{field}"
            if field not in old_props:
                lines.append(f"{where}: new field ({'required' if field in new_req else 'optional'})")
            elif field not in new_props:
                lines.append(f"{where}: field removed")
            else:
                if field in new_req and field not in old_req:
                    lines.append(f"{where}: became required")
                elif field in old_req and field not in new_req:
                    lines.append(f"{where}: became optional")
                old_kind, new_kind = _kind(old_props[field]), _kind(new_props[field])
                if old_kind != new_kind:
                    lines.append(f"{where}: type {old_kind} -> {new_kind}")
                old_values, new_values = _values(old_props[field]), _values(new_props[field])
                if new_values - old_values:
                    lines.append(f"{where}: values added: {_listed(new_values - old_values)}")
                if old_values - new_values:
                    lines.append(f"{where}: values removed: {_listed(old_values - new_values)}")
    return lines


def render(base: SchemaSet, new: SchemaSet) -> str:
    lines = diff(base, new)
    head = f"sdk schemas: openai {base.version} ({base.where}) -> openai {new.version} ({new.where})"
    body = "\n".join(f"  {line}" for line in lines) if lines else "  no change in what the SDK parses"
    notes = new.index.get("notes", [])
    tail = "".join(f"\n  note: {n}" for n in notes)
    return f"{head}: {len(lines)} changes\n{body}{tail}"
