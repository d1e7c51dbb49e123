"""Generate schemas/ from the OpenAI OpenAPI description and the Open Responses specification.

Usage: python scripts/build_schemas.py [--specs-dir ../shared/specs] [--out schemas]

Every top-level schema the harness judges becomes one self-contained JSON Schema file (draft 2020-12) under
schemas/<spec>/<Name>.json, with `$defs` holding every component it reaches. schemas/index.json says which file
judges which answer: (method, path template, status class, content type) for bodies, `type` for stream events.
The index is read from the specs' own `paths`, so it follows the specs rather than a hand-kept table.
Output is deterministic (sorted keys) and the script is idempotent: it rewrites only the files it owns.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REF = "#/components/schemas/"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SOURCES: dict[str, dict[str, Any]] = {
    "openai": {
        "file": "openai-openapi.json",
        "provenance": "OpenAI OpenAPI description (openai/openai-openapi, commit f85dbe2, 2026-08-21)",
        "licence": "MIT, (c) OpenAI",
        "roots": ["Response", "InputItem", "ItemResource", "ResponseItemList", "OutputItem", "ConversationResource",
                  "ConversationItemList", "ConversationItem", "DeletedConversationResource", "TokenCountsResource",
                  "CompactResource", "Error", "ErrorResponse", "DeletedResponse"],
    },
    "openresponses": {
        "file": "openresponses-openapi-2026-04-24.json",
        "provenance": "Open Responses specification, release 2026-04-24 (openresponses/openresponses)",
        "licence": "Apache-2.0, (c) the Open Responses authors",
        "roots": ["ResponseResource", "CompactResource", "Error", "ErrorPayload"],
    },
}  # fmt: skip
# Only the Responses surface is judged; other paths of the OpenAI description are left out of the index.
PATH_PREFIXES = ("/responses", "/conversations")
# Keys whose values are maps of names (a property may well be called "description"), not keywords.
NAME_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# Documentation and OpenAPI-only keywords: JSON Schema either ignores them or does not know them.
DROPPED = ("discriminator", "example", "examples", "description", "title", "externalDocs", "xml", "deprecated")


def clean(node: Any) -> Any:
    """An OpenAPI 3.1 schema as plain JSON Schema: `$ref`s into `$defs`, `nullable` folded into `type`."""
    if isinstance(node, list):
        return [clean(value) for value in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in NAME_MAPS and isinstance(value, dict):
            out[key] = {name: clean(sub) for name, sub in value.items()}
        elif key.startswith("x-") or key in DROPPED or key == "nullable":
            continue
        elif key == "$ref" and isinstance(value, str) and value.startswith(REF):
            out[key] = "#/$defs/" + value[len(REF) :]
        else:
            out[key] = clean(value)
    if "discriminator" in node and "oneOf" in out:
        # The discriminator promises at most one member can match (each has its own tag), so "exactly one" is
        # "any one": anyOf stops at the first match, where oneOf would try every member of a large union.
        out["anyOf"] = out.pop("oneOf")
    if node.get("nullable") is True:
        # OpenAPI 3.0's spelling, still found in 3.1 descriptions: null is allowed besides the declared type.
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        elif kind is None:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF):
                found.add(ref[len(REF) :])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def reachable(components: dict[str, Any], root: str) -> list[str]:
    seen = {root}
    todo = [root]
    while todo:
        for name in refs(components[todo.pop()]) - seen:
            seen.add(name)
            todo.append(name)
    return sorted(seen)


def event_types(components: dict[str, Any], union: Any) -> dict[str, str]:
    """`type` value -> component name, for every member of a stream event union."""
    out: dict[str, str] = {}
    for member in union.get("anyOf", union.get("oneOf", [])):
        name = member["$ref"][len(REF) :]
        kind = components[name].get("properties", {}).get("type", {})
        for value in kind.get("enum") or ([kind["const"]] if "const" in kind else []):
            out[value] = name
    return out


def _component(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    ref = schema.get("$ref", "")
    return ref[len(REF) :] if ref.startswith(REF) else schema


def endpoints(spec: dict[str, Any]) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The index rows read from `paths`, and the stream event types of the event-stream answers."""
    components = spec["components"]["schemas"]
    rows: list[dict[str, str]] = []
    events: dict[str, str] = {}
    for path, operations in spec["paths"].items():
        if "?" in path or not path.startswith(PATH_PREFIXES):
            continue
        for method, operation in operations.items():
            for status, answer in (operation.get("responses") or {}).items():
                if "$ref" in answer:
                    answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
                for content_type, media in (answer.get("content") or {}).items():
                    target = _component(media.get("schema") or {}, components)
                    if content_type == "text/event-stream":
                        union = components[target] if isinstance(target, str) else target
                        events.update(event_types(components, union))
                        target = "(events)"
                    if not isinstance(target, str):
                        continue
                    rows.append(
                        {
                            "method": method.upper(),
                            "path": path,
                            "status": status[0] + "xx" if status[0].isdigit() else status,
                            "content_type": content_type,
                            "schema": target,
                        }
                    )
    unique = {json.dumps(row, sort_keys=True): row for row in rows}
    return sorted(unique.values(), key=lambda r: (r["path"], r["method"], r["status"], r["content_type"])), events


def build(specs_dir: Path) -> dict[str, Any]:
    """Relative file name -> JSON document, for every file this script owns."""
    files: dict[str, Any] = {}
    index: dict[str, Any] = {"$comment": "Generated by scripts/build_schemas.py; see schemas/README.md."}
    for spec_name, source in SOURCES.items():
        spec = json.loads((specs_dir / source["file"]).read_text())
        components = spec["components"]["schemas"]
        rows, events = endpoints(spec)
        roots = {name for name in source["roots"] if name in components}
        roots |= set(events.values()) | {row["schema"] for row in rows if row["schema"] in components}
        for root in sorted(roots):
            files[f"{spec_name}/{root}.json"] = {
                "$schema": DRAFT,
                "$id": f"{spec_name}/{root}.json",
                "$comment": f"Generated by scripts/build_schemas.py from {source['provenance']}; {source['licence']}.",
                "$ref": f"#/$defs/{root}",
                "$defs": {name: clean(components[name]) for name in reachable(components, root)},
            }
        for row in rows:
            row["schema"] = f"{spec_name}/{row['schema']}.json" if row["schema"] in roots else row["schema"]
        index[spec_name] = {
            "source": f"{source['provenance']}; {source['licence']}",
            "schemas": sorted(f"{spec_name}/{root}.json" for root in roots),
            "endpoints": rows,
            "events": {kind: f"{spec_name}/{name}.json" for kind, name in sorted(events.items())},
        }
    files["index.json"] = index
    return files


def write(files: dict[str, Any], out: Path) -> list[Path]:
    written = []
    for spec_name in SOURCES:
        # Idempotent: a schema the specs no longer produce must not linger as a stale file.
        for stale in (out / spec_name).glob("*.json"):
            if f"{spec_name}/{stale.name}" not in files:
                stale.unlink()
    for name, document in sorted(files.items()):
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        written.append(path)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--specs-dir", type=Path, default=ROOT.parent / "shared" / "specs")
    parser.add_argument("--out", type=Path, default=ROOT / "schemas")
    args = parser.parse_args()
    written = write(build(args.specs_dir), args.out)
    size = sum(path.stat().st_size for path in written)
    print(f"wrote {len(written)} files under {args.out} ({size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
