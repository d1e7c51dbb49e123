"""The schema files, the index that picks them, and the overlays: each relaxation earned, each op doing its job."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai.types.responses import Response as SdkResponse

from harness.judge import schemas
from harness.judge.schemas import apply_rule, endpoint_file, event_file, validate, validate_file, validator
from harness.model import Strictness
from harness.wire import parse_sse

WIRE = Path(__file__).parent.parent.parent / "fixtures" / "provider-wire"
SCHEMAS = schemas.SCHEMA_DIR


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        here = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return here.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_every_indexed_file_exists_and_is_self_contained() -> None:
    index = schemas.index()
    for spec in ("openai", "openresponses"):
        files = set(index[spec]["schemas"]) | set(index[spec]["events"].values())
        files |= {row["schema"] for row in index[spec]["endpoints"] if row["schema"].endswith(".json")}
        for file in files:
            data = json.loads((SCHEMAS / file).read_text())
            assert {ref.removeprefix("#/$defs/") for ref in _refs(data)} <= set(data["$defs"]), file


@pytest.mark.parametrize(
    ("level", "method", "path", "status", "content_type", "expected"),
    [
        (Strictness.OPENAI, "POST", "/v1/responses", 200, "application/json", "openai/Response.json"),
        (Strictness.OPENAI, "GET", "/gw/v1/responses/resp_1", 200, "application/json", "openai/Response.json"),
        (Strictness.OPENAI, "GET", "/v1/responses/r/input_items", 200, "application/json",
         "openai/ResponseItemList.json"),
        (Strictness.OPENAI, "POST", "/v1/responses/input_tokens", 200, "application/json",
         "openai/TokenCountsResource.json"),
        (Strictness.OPENAI, "POST", "/v1/responses/compact", 200, "application/json", "openai/CompactResource.json"),
        (Strictness.OPENAI, "DELETE", "/v1/conversations/c/items/i", 200, "application/json",
         "openai/ConversationResource.json"),
        (Strictness.OPENAI, "POST", "/v1/responses", 429, "application/json", "openai/ErrorResponse.json"),
        (Strictness.OPENAI, "POST", "/v1/responses", 200, "text/event-stream", "(events)"),
        (Strictness.OPENRESPONSES, "POST", "/v1/responses", 200, "application/json",
         "openresponses/ResponseResource.json"),
        (Strictness.OPENRESPONSES, "POST", "/v1/responses/compact", 200, "application/json",
         "openresponses/CompactResource.json"),
        (Strictness.OPENRESPONSES, "GET", "/v1/conversations/c", 200, "application/json",
         "openai/ConversationResource.json"),
        (Strictness.OPENAI, "GET", "/v1/models", 200, "application/json", None),
        (Strictness.OPENAI, "PATCH", "/v1/responses", 200, "application/json", None),
    ],
)  # fmt: skip
def test_the_index_picks_the_schema_by_method_path_status_and_type(
    level: Strictness, method: str, path: str, status: int, content_type: str, expected: str | None
) -> None:
    assert endpoint_file(level, method, path, status, content_type) == expected


def test_every_responses_event_type_has_its_schema() -> None:
    assert event_file(Strictness.OPENAI, "response.output_text.delta") == "openai/ResponseTextDeltaEvent.json"
    assert event_file(Strictness.OPENRESPONSES, "response.output_text.delta") == (
        "openresponses/ResponseOutputTextDeltaStreamingEvent.json"
    )
    assert event_file(Strictness.OPENAI, "response.made_up") is None
    assert len(schemas.index()["openai"]["events"]) > 50


def _openai_wire_problems(level: Strictness) -> list[str]:
    problems = []
    for provider in ("openai", "xai"):
        body = json.loads((WIRE / provider / "responses.json").read_text())
        problems += [f"{provider} json {m}" for m in validate("Response", body, level)]
        for event in parse_sse((WIRE / provider / "responses_stream.txt").read_text() + "\n").events:
            file = event_file(level, event.payload["type"])
            problems += [f"{provider} {file} {m}" for m in validate_file(file, event.payload, level)] if file else []
    return problems


def test_openai_s_own_wire_passes_the_openai_and_sdk_levels() -> None:
    assert _openai_wire_problems(Strictness.OPENAI) == []
    assert _openai_wire_problems(Strictness.SDK) == []


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    # Validators compiled under a doctored overlay must not outlive the test that doctored it.
    yield
    for cached in (schemas.document, schemas.validator):
        cached.cache_clear()


def test_each_openai_relaxation_is_needed_by_openai_s_own_wire(
    monkeypatch: pytest.MonkeyPatch, fresh_caches: None
) -> None:
    full = json.loads((SCHEMAS / "overlays" / "openai.json").read_text())
    checked = 0
    for position, rule in enumerate(full["rules"]):
        if "not in the recordings" in rule["why"]:
            continue
        without = {**full, "rules": [r for i, r in enumerate(full["rules"]) if i != position]}
        monkeypatch.setattr(schemas, "_overlay_for", lambda level, spec, overlay=without: overlay)
        for cached in (schemas.document, schemas.validator):
            cached.cache_clear()
        assert _openai_wire_problems(Strictness.OPENAI), f"not needed: {rule}"
        checked += 1
    assert checked >= 3


def test_the_sdk_level_requires_what_the_sdk_s_response_model_requires() -> None:
    sdk = json.loads((SCHEMAS / "sdk" / "Response.json").read_text())["$defs"]["Response"]
    assert sorted(sdk["required"]) == sorted(n for n, f in SdkResponse.model_fields.items() if f.is_required())


def test_every_overlay_rule_names_a_definition_and_says_why() -> None:
    for path in (SCHEMAS / "overlays").glob("*.json"):
        overlay = json.loads(path.read_text())
        folder = SCHEMAS / overlay["spec"]
        defs = set().union(*(json.loads(p.read_text()).get("$defs", {}) for p in folder.glob("*.json")))
        for rule in overlay["rules"]:
            assert rule["def"] in defs and rule["why"], (path.name, rule)


def test_an_unknown_schema_name_is_an_error_not_a_silent_pass() -> None:
    with pytest.raises(KeyError):
        validate("NoSuchThing", {}, Strictness.OPENAI)


def test_a_union_reports_the_member_the_instance_meant() -> None:
    body = json.loads((WIRE / "openai" / "responses.json").read_text())
    wrong_text = copy.deepcopy(body)
    wrong_text["output"][0]["content"][0]["text"] = 5
    assert validate("Response", wrong_text, Strictness.OPENAI) == [
        "$.output[0].content[0].text: 5 is not of type 'string'"
    ]
    wrong_type = copy.deepcopy(body)
    wrong_type["output"][0]["type"] = "bogus"
    (message,) = validate("Response", wrong_type, Strictness.OPENAI)
    assert message.startswith('$.output[0].type: "bogus" is none of the types') and "function_call" in message


def test_validators_are_compiled_once_per_level_and_file() -> None:
    assert validator(Strictness.OPENAI, "openai/Response.json") is validator(Strictness.OPENAI, "openai/Response.json")
    assert validator(Strictness.SDK, "openai/Response.json") is not validator(Strictness.OPENAI, "openai/Response.json")


def _toy() -> dict[str, Any]:
    return {
        "A": {"allOf": [{"$ref": "#/$defs/B"}, {"properties": {"x": {"type": "string"}}, "required": ["x", "y"]}]},
        "B": {"properties": {"z": {"type": "integer"}}, "required": ["z"], "additionalProperties": False},
    }


def test_each_overlay_op_changes_exactly_what_it_names() -> None:
    defs = _toy()
    apply_rule(defs, {"op": "nullable", "def": "A", "path": ["allOf", 1], "fields": ["x"]})
    assert defs["A"]["allOf"][1]["properties"]["x"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    apply_rule(defs, {"op": "optional", "def": "A", "path": ["allOf", 1], "fields": ["y"]})
    assert defs["A"]["allOf"][1]["required"] == ["x"]
    apply_rule(defs, {"op": "require_only", "def": "A", "fields": ["x"]})
    assert defs["A"]["allOf"][1]["required"] == ["x"] and defs["B"]["required"] == []
    apply_rule(defs, {"op": "replace", "def": "B", "path": ["properties", "z"], "with": {"type": "number"}})
    assert defs["B"]["properties"]["z"] == {"type": "number"}
    apply_rule(defs, {"op": "allow_additional", "def": "B"})
    assert "additionalProperties" not in defs["B"]
    with pytest.raises(ValueError, match="unknown overlay op"):
        apply_rule(defs, {"op": "loosen", "def": "B"})


def _with_web_search_call(body: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """OpenAI's recorded response with a web_search_call item (as OpenAI sends it) put second, `fields` over it."""
    out = copy.deepcopy(body)
    call = {"id": "ws_1", "type": "web_search_call", "status": "completed"}
    out["output"].insert(1, {**call, "action": {"type": "search", "query": "q", "sources": []}, **fields})
    return out


def test_a_union_member_is_chosen_by_its_type_and_the_deepest_cause_is_named() -> None:
    body = json.loads((WIRE / "openai" / "responses.json").read_text())
    assert validate("Response", _with_web_search_call(body), Strictness.OPENAI) == []
    # A null `sources`: not "'web_search' is not one of ['computer']" nor "not valid under any of the given schemas".
    broken = _with_web_search_call(body, action={"type": "search", "query": "q", "sources": None})
    assert validate("Response", broken, Strictness.OPENAI) == [
        "$.output[1].action.sources: null is not of type 'array'"
    ]
    assert validate("Response", broken, Strictness.SDK) == []  # openai-python declares `sources` Optional
    # Two faults in the member the instance meant (its own field, and inside its nested `action` union): both named.
    del broken["output"][1]["status"]
    assert validate("Response", broken, Strictness.OPENAI) == [
        "$.output[1]: 'status' is a required property",
        "$.output[1].action.sources: null is not of type 'array'",
    ]
    event = {"type": "response.output_item.done", "sequence_number": 7, "output_index": 1, "item": broken["output"][1]}
    file = event_file(Strictness.OPENAI, event["type"])
    assert file and validate_file(file, event, Strictness.OPENAI) == [
        "$.item: 'status' is a required property",
        "$.item.action.sources: null is not of type 'array'",
    ]


def test_an_output_text_part_without_logprobs_is_named_with_its_path() -> None:
    body = json.loads((WIRE / "openai" / "responses.json").read_text())
    del body["output"][0]["content"][0]["logprobs"]
    assert validate("Response", body, Strictness.OPENAI) == [
        "$.output[0].content[0]: 'logprobs' is a required property"
    ]
    part = {"type": "output_text", "text": "", "annotations": []}
    event = {"type": "response.content_part.added", "sequence_number": 3, "output_index": 0, "item_id": "msg_1"}
    event |= {"content_index": 0, "part": part}
    file = event_file(Strictness.OPENAI, event["type"])
    assert file and validate_file(file, event, Strictness.OPENAI) == ["$.part: 'logprobs' is a required property"]


def test_a_wrong_json_type_is_the_cause_not_the_enum_it_also_misses() -> None:
    body = json.loads((WIRE / "openai" / "responses.json").read_text())
    body["tools"] = [{"type": "web_search", "search_context_size": None}]
    assert validate("Response", body, Strictness.OPENAI) == [
        "$.tools[0].search_context_size: null is not of type 'string'"
    ]
