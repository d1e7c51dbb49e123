"""The emulated Responses API knows the input item types OpenAI's does (schemas/openai/InputItem.json): the scripted
model lists an unknown one (a tell that it arrived), and a real model behind the emulators refuses it as OpenAI does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emulators.responses_input import INPUT_ITEM_TYPES, input_items, to_scripted

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "openai" / "InputItem.json"


def _branches(node: dict[str, Any], defs: dict[str, Any]) -> list[dict[str, Any]]:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
    for key in ("oneOf", "anyOf"):
        if key in node:
            return [b for branch in node[key] for b in _branches(branch, defs)]
    return [node]


def test_the_known_item_types_are_the_specs() -> None:
    schema = json.loads(SCHEMA.read_text())
    defs = schema.get("$defs") or schema.get("definitions") or {}
    types = set()
    for branch in _branches(schema, defs):
        kind = branch.get("properties", {}).get("type", {})
        while "$ref" in kind:
            kind = defs[kind["$ref"].rsplit("/", 1)[1]]
        types |= set(kind.get("enum", [])) | ({kind["const"]} if "const" in kind else set())
        types |= {kind["default"]} if isinstance(kind.get("default"), str) else set()
    assert types | {"item_reference"} == INPUT_ITEM_TYPES


def test_an_unknown_item_is_kept_apart_and_still_listed() -> None:
    payload = {"model": "gpt-5-mini", "input": [{"type": "x_conformance_probe"}, {"role": "user", "content": "hi"}]}
    req = to_scripted(payload, input_items(payload))
    assert req.unknown_items == ["x_conformance_probe"] and "x_conformance_probe" in req.item_types
