"""scripts/build_schemas.py: the committed schemas are what it generates, and its OpenAPI conversion is sound."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
SPECS = ROOT.parent / "shared" / "specs"
SCRIPT = ROOT / "scripts" / "build_schemas.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_schemas", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _generated(folder: Path) -> dict[str, str]:
    # overlays/ is hand-written; sdk/ is harness.sdk_schemas's snapshot (tests/harness/judge/test_sdk_schemas.py).
    skip = {"overlays", "sdk"}
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*.json") if not skip & set(p.parts)}


@pytest.mark.skipif(not SPECS.exists(), reason="../shared/specs is not beside this checkout")
def test_rerunning_the_script_reproduces_the_committed_files_and_removes_stale_ones(tmp_path: Path) -> None:
    (tmp_path / "openai").mkdir()
    (tmp_path / "openai" / "Gone.json").write_text("{}")
    for _ in range(2):
        subprocess.run(
            [sys.executable, str(SCRIPT), "--specs-dir", str(SPECS), "--out", str(tmp_path)],
            check=True,
            capture_output=True,
        )
        assert _generated(tmp_path) == _generated(ROOT / "schemas")


def test_openapi_specifics_become_plain_json_schema() -> None:
    clean = _script().clean
    source = {
        "type": "object",
        "description": "dropped",
        "x-oaiMeta": {"dropped": True},
        "properties": {
            "description": {"type": "string", "nullable": True, "example": "x"},
            "kind": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}],
                     "discriminator": {"propertyName": "type"}},
            "plain": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "any": {"nullable": True, "$ref": "#/components/schemas/A"},
        },
    }  # fmt: skip
    assert clean(source) == {
        "type": "object",
        "properties": {
            "description": {"type": ["string", "null"]},
            "kind": {"anyOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}]},
            "plain": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "any": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]},
        },
    }


def test_the_index_is_read_from_the_spec_paths() -> None:
    endpoints = _script().endpoints
    spec = {
        "components": {
            "schemas": {
                "R": {"type": "object"},
                "Events": {"anyOf": [{"$ref": "#/components/schemas/E"}]},
                "E": {"properties": {"type": {"const": "r.done"}}},
            },
            "responses": {"Limited": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/R"}}}}},
        },
        "paths": {
            "/responses": {
                "post": {
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/R"}},
                                "text/event-stream": {"schema": {"$ref": "#/components/schemas/Events"}},
                            }
                        },
                        "429": {"$ref": "#/components/responses/Limited"},
                    }
                }
            },
            "/responses?beta=true": {"post": {"responses": {"200": {"content": {}}}}},
            "/files": {"get": {"responses": {"200": {"content": {}}}}},
        },
    }
    rows, events = endpoints(spec)
    assert events == {"r.done": "E"}
    assert [(r["method"], r["path"], r["status"], r["content_type"], r["schema"]) for r in rows] == [
        ("POST", "/responses", "2xx", "application/json", "R"),
        ("POST", "/responses", "2xx", "text/event-stream", "(events)"),
        ("POST", "/responses", "4xx", "application/json", "R"),
    ]


def test_the_committed_index_names_its_sources() -> None:
    index = json.loads((ROOT / "schemas" / "index.json").read_text())
    assert "f85dbe2" in index["openai"]["source"] and "MIT" in index["openai"]["source"]
    assert "2026-04-24" in index["openresponses"]["source"] and "Apache-2.0" in index["openresponses"]["source"]


def test_every_overlay_names_definitions_that_exist() -> None:
    for overlay in (ROOT / "schemas" / "overlays").glob("*.json"):
        rules = json.loads(overlay.read_text())
        folder = ROOT / "schemas" / rules["spec"]
        defs = set().union(*(json.loads(p.read_text()).get("$defs", {}) for p in folder.glob("*.json")))
        for rule in rules.get("rules", []):
            assert rule["def"] in defs, (overlay.name, rule["def"])
            assert rule.get("why"), (overlay.name, rule)
