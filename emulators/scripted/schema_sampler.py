"""Deterministic JSON instances for a JSON Schema: what the scripted model answers a structured-output request and
the arguments of the function calls it makes."""

from __future__ import annotations

from typing import Any


def sample_for_schema(schema: Any, hints: dict[str, str] | None = None, key: str = "", root: Any = None) -> Any:
    """A deterministic JSON instance valid for `schema` (the subset of JSON Schema tool and output schemas use):
    objects with every property, arrays of one item (or minItems), enums their first value, anyOf/oneOf their
    first non-null branch, `$ref` resolved within the root (`#/$defs/...`). `hints` fill properties by name."""
    return _sample(schema, hints or {}, key, schema if root is None else root, 0)


def _resolve(ref: str, root: Any) -> Any:
    target: Any = root
    for part in ref.removeprefix("#").strip("/").split("/"):
        if not part:
            continue
        target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
    return target


def _sample(schema: Any, hints: dict[str, str], key: str, root: Any, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > 12:  # a recursive schema stops here rather than looping
        return None if depth > 12 else "sample"
    if isinstance(schema.get("$ref"), str):
        return _sample(_resolve(schema["$ref"], root), hints, key, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for combo in ("anyOf", "oneOf"):
        if isinstance(schema.get(combo), list) and schema[combo]:
            branches = [b for b in schema[combo] if not (isinstance(b, dict) and b.get("type") == "null")]
            return _sample((branches or schema[combo])[0], hints, key, root, depth + 1)
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(part["$ref"], root) if isinstance(part, dict) and "$ref" in part else part
            if isinstance(part, dict):
                merged_props = {**merged.get("properties", {}), **part.get("properties", {})}
                merged = {**merged, **part, "properties": merged_props}
        return _sample(merged, hints, key, root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        props: dict[str, Any] = schema["properties"] if isinstance(schema.get("properties"), dict) else {}
        return {name: _sample(sub, hints, name, root, depth + 1) for name, sub in props.items()}
    if kind == "array":
        count: int = schema["minItems"] if isinstance(schema.get("minItems"), int) else 1
        return [_sample(schema.get("items", {}), hints, key, root, depth + 1) for _ in range(max(1, count))]
    if kind in ("integer", "number"):
        return _number(schema, hints.get(key), integer=kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = hints.get(key, "sample")
    min_length = schema.get("minLength")
    return text.ljust(min_length, "x") if isinstance(min_length, int) else text


def _number(schema: dict[str, Any], hint: str | None, *, integer: bool) -> int | float:
    try:
        value: int | float = (int(hint) if integer else float(hint)) if hint is not None else 1
    except ValueError:
        value = 1
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int | float) and value < low:
        value = int(low) if integer and low == int(low) else low
    if isinstance(high, int | float) and value > high:
        value = int(high) if integer and high == int(high) else high
    return value
