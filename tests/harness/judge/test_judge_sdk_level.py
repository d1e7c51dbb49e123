"""The `sdk` level, derived from openai-python's models (harness/sdk_schemas.py): what the SDK reads cleanly
passes, a field the SDK needs fails, and each departure from the models is earned."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import omit
from openai._models import construct_type
from openai.lib.streaming.responses._responses import ResponseStreamState
from openai.types.responses import Response as SdkResponse
from openai.types.responses import ResponseStreamEvent

from harness import sdk_schemas as BUILD
from harness.judge import judge_exchange, schemas, validate
from harness.judge.schemas import endpoint_file, event_file, validate_file
from harness.model import Level, Strictness
from harness.wire import Exchange, exchange_from, parse_sse

ROOT = Path(__file__).resolve().parents[3]
WIRE = ROOT / "tests" / "fixtures" / "provider-wire"
SDK = Strictness.SDK
RECORDINGS = sorted(p for provider in ("openai", "xai") for p in (WIRE / provider).glob("responses*"))


def _payloads(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(schema file at sdk level, payload) for a recorded JSON answer or every event of a recorded stream."""
    if path.suffix == ".json":
        return [("sdk/Response.json", json.loads(path.read_text()))]
    events = parse_sse(path.read_text() + "\n").events
    return [(event_file(SDK, e.payload["type"]) or "", e.payload) for e in events]


def _body() -> dict[str, Any]:
    return dict(json.loads((WIRE / "openai" / "responses.json").read_text()))


def _event(kind: str) -> dict[str, Any]:
    events = parse_sse((WIRE / "openai" / "responses_stream.txt").read_text() + "\n").events
    return copy.deepcopy(next(e.payload for e in events if e.payload["type"] == kind))


def _check(kind: str, payload: dict[str, Any]) -> list[str]:
    return validate_file(event_file(SDK, kind) or "", payload, SDK)


# (a) what the providers really send passes ------------------------------------------------------------------------


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_recorded_payload_passes_at_sdk_level(path: Path) -> None:
    payloads = _payloads(path)
    assert payloads
    for file, payload in payloads:
        assert file.startswith("sdk/"), payload.get("type")
        assert validate_file(file, payload, SDK) == [], (file, payload.get("type"))


def _sdk_accepts(model: Any, payload: dict[str, Any]) -> bool:
    try:
        model.model_validate(payload)
    except ValueError:
        return False
    return True


def _mutations(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path to a key, "drop" or "null") for every key of every object in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key), "drop"
            if value is not None:
                yield (*path, key), "null"
            yield from _mutations(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _mutations(value, (*path, i))


def _mutated(payload: dict[str, Any], path: tuple[Any, ...], how: str) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    parent: Any = out
    for step in path[:-1]:
        parent = parent[step]
    if how == "drop":
        del parent[path[-1]]
    else:
        parent[path[-1]] = None
    return out


def _relaxed(payload: dict[str, Any], path: tuple[Any, ...]) -> bool:
    """A field the sdk level lets go although the model requires it (harness/sdk_schemas.py, overlay)."""
    key = path[-1]
    if path == ("sequence_number",):  # overlays/sdk.json: events.optional, a SHOULD of the stream grammar
        return True
    if key == "cache_write_tokens":  # OPENAI_WIRE_OMITS
        return True
    return path == ("logprobs",) and payload.get("type") in ("response.output_text.delta", "response.output_text.done")


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_sdk_level_agrees_with_the_sdk_s_models_field_by_field(path: Path) -> None:
    """Each field of each recorded payload dropped or nulled in turn: the sdk level accepts exactly what
    openai-python's models accept (model_validate), but for the few listed relaxations."""
    checked = 0
    for file, payload in _payloads(path):
        for details in _find(payload, "input_tokens_details"):
            details.setdefault("cache_write_tokens", 0)  # see test_each_openai_wire_omission_is_needed
        model = SdkResponse if file == "sdk/Response.json" else BUILD.event_models()[payload["type"]]
        assert _sdk_accepts(model, payload)
        for where, how in _mutations(payload):
            broken = _mutated(payload, where, how)
            sdk, ours = _sdk_accepts(model, broken), validate_file(file, broken, SDK) == []
            if sdk:
                assert ours, (file, where, how, validate_file(file, broken, SDK))
            elif not (how == "drop" and _relaxed(payload, where)):
                assert not ours, (file, where, how)
            checked += 1
    assert checked > 20


def _find(node: Any, key: str) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if isinstance(node.get(key), dict):
            yield node[key]
        for value in node.values():
            yield from _find(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from _find(value, key)


# (b) a field the SDK needs, missing, fails --------------------------------------------------------------------------


def test_a_response_without_id_fails() -> None:
    body = _body()
    del body["id"]
    assert validate("Response", body, SDK) == ["$: 'id' is a required property"]


def test_a_text_delta_without_delta_fails() -> None:
    event = _event("response.output_text.delta")
    del event["delta"]
    assert _check("response.output_text.delta", event) == ["$: 'delta' is a required property"]


def test_an_output_item_added_without_item_fails() -> None:
    event = _event("response.output_item.added")
    del event["item"]
    assert _check("response.output_item.added", event) == ["$: 'item' is a required property"]


def test_an_event_without_type_and_an_item_without_what_the_agents_sdk_reads_fail() -> None:
    body = _body()
    body["output"].append({"type": "function_call", "name": "f", "arguments": "{}"})  # no call_id
    assert validate("Response", body, SDK) == ["$.output[1]: 'call_id' is a required property"]
    body = _body()
    del body["output"][0]["type"]
    assert validate("Response", body, SDK)
    assert validate("ResponseTextDeltaEvent", {"delta": "x"}, SDK)


def _stream_exchange(events: list[dict[str, Any]]) -> Exchange:
    text = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
    request = {"method": "POST", "uri": "http://gw/v1/responses", "body": json.dumps({"stream": True})}
    response = {"status": {"code": 200}, "headers": {"content-type": ["text/event-stream"]}, "body": {"string": text}}
    return exchange_from(0, request, response)


def test_the_judge_fails_a_stream_whose_delta_lacks_its_text_at_sdk_level() -> None:
    events = [e.payload for e in parse_sse((WIRE / "openai" / "responses_stream.txt").read_text() + "\n").events]
    assert judge_exchange(_stream_exchange(events), SDK) == []
    broken = copy.deepcopy(events)
    del next(e for e in broken if e["type"] == "response.output_text.delta")["delta"]
    musts = [f for f in judge_exchange(_stream_exchange(broken), SDK) if f.level is Level.MUST]
    assert any(f.rule == "schema.event" and "'delta' is a required property" in f.received for f in musts)


# (c) what no SDK needs is no failure --------------------------------------------------------------------------------


def test_null_optional_fields_on_tools_and_items_pass() -> None:
    body = _body()
    body["tools"] = [{"type": "function", "name": "f", "parameters": {}, "strict": True, "defer_loading": None}]
    call = {"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "namespace": None, "id": None}
    body["output"].append(call)
    assert validate("Response", body, SDK) == []
    assert validate("Response", body, Strictness.OPENAI)  # what the issue saw: OpenAI's schema says no


def test_function_call_arguments_done_without_name_passes() -> None:
    event = {"type": "response.function_call_arguments.done", "item_id": "fc_1", "output_index": 0, "arguments": "{}"}
    assert _check("response.function_call_arguments.done", {**event, "sequence_number": 3}) == []
    assert validate("ResponseFunctionCallArgumentsDoneEvent", event, Strictness.OPENAI)


def test_output_text_without_logprobs_passes_in_an_answer_and_in_its_events() -> None:
    body = _body()
    del body["output"][0]["content"][0]["logprobs"]
    assert validate("Response", body, SDK) == []
    for kind in ("response.output_text.delta", "response.output_text.done"):
        event = _event(kind)
        del event["logprobs"]
        assert _check(kind, event) == []


def test_response_created_without_instructions_metadata_temperature_passes() -> None:
    event = _event("response.created")
    for key in ("instructions", "metadata", "temperature", "top_p"):
        event["response"].pop(key, None)
    assert _check("response.created", event) == []
    assert _check("response.created", event) != validate_file(
        event_file(Strictness.OPENAI, "response.created") or "", event, Strictness.OPENAI
    )


def test_an_item_of_a_type_the_sdk_does_not_know_passes_but_a_known_one_is_checked() -> None:
    body = _body()
    body["output"].append({"type": "new_kind_of_call", "id": "x_1", "anything": [1]})
    assert validate("Response", body, SDK) == []
    body["output"][0]["content"][0]["text"] = 5
    assert validate("Response", body, SDK) == ["$.output[0].content[0].text: 5 is not of type 'string'"]
    body["output"][0]["type"] = 5
    assert validate("Response", body, SDK) == ["$.output[0].type: 5 is not of type 'string'"]


def test_the_sdk_s_own_stream_helper_reads_a_stream_without_logprobs_or_sequence_numbers() -> None:
    """Why NOT_READ_BY_THE_SDKS and the overlay's optional sequence_number hold: openai-python's
    `responses.stream()` state machine builds the same text from a stream without them."""
    events = [e.payload for e in parse_sse((WIRE / "openai" / "responses_stream.txt").read_text() + "\n").events]
    texts = []
    for drop in ((), ("logprobs", "sequence_number")):
        state: ResponseStreamState[Any] = ResponseStreamState(input_tools=omit, text_format=omit)
        out = []
        for payload in events:
            event = construct_type(value={k: v for k, v in payload.items() if k not in drop}, type_=ResponseStreamEvent)
            out += state.handle_event(event)  # type: ignore[arg-type]
        texts.append(("".join(e.delta for e in out if e.type == "response.output_text.delta"), out[-1].type))
    assert texts[0] == texts[1] and texts[0][0] and texts[0][1] == "response.completed"


def test_a_compacted_answer_keeps_the_user_s_messages() -> None:
    text = {"type": "input_text", "text": "hi"}
    user = {"type": "message", "id": "m1", "role": "user", "status": "completed", "content": [text]}
    usage = _body()["usage"]
    compacted = {"id": "c1", "object": "response.compaction", "created_at": 1, "output": [user], "usage": usage}
    assert validate("CompactResource", compacted, SDK) == []
    user["role"] = "narrator"
    assert validate("CompactResource", compacted, SDK)


# Where the files come from ------------------------------------------------------------------------------------------


def test_each_openai_wire_omission_is_needed_by_openai_s_own_answers() -> None:
    body = _body()
    for definition, field in BUILD.OPENAI_WIRE_OMITS:
        with pytest.raises(ValueError, match=field):
            SdkResponse.model_validate(body)
        assert definition in json.loads((schemas.SCHEMA_DIR / "sdk" / "Response.json").read_text())["$defs"]


def test_what_the_agents_sdk_reads_is_required_in_every_file_that_holds_it() -> None:
    held = 0
    for path in (schemas.SCHEMA_DIR / "sdk").glob("*.json"):
        defs = json.loads(path.read_text()).get("$defs", {})
        for definition, field in BUILD.AGENTS_SDK_READS:
            if definition in defs:
                assert field in defs[definition]["required"], (path.name, definition, field)
                held += 1
    assert held >= len(BUILD.AGENTS_SDK_READS)


def test_the_sdk_level_uses_its_own_files_and_openai_s_where_the_sdk_has_no_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = schemas.index()["sdk"]
    assert index["openai_version"] and index["generated"]
    assert endpoint_file(SDK, "POST", "/v1/responses", 200, "application/json") == "sdk/Response.json"
    assert endpoint_file(SDK, "GET", "/v1/conversations/c/items", 200, "application/json") == (
        "sdk/ConversationItemPage.json"
    )
    assert endpoint_file(SDK, "POST", "/v1/responses", 400, "application/json") == "openai/ErrorResponse.json"
    assert event_file(SDK, "response.compaction.compacting") == "sdk/ResponseCompactionCompactingEvent.json"
    monkeypatch.delitem(index["events"], "response.output_text.delta")
    assert event_file(SDK, "response.output_text.delta") == "openai/ResponseTextDeltaEvent.json"
    assert event_file(Strictness.OPENRESPONSES, "response.bogus") is None
