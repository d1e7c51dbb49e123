"""The translation layer alone: pure functions, exact shapes and exact event sequences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reference_gateway.errors import GatewayError
from reference_gateway.translate.request import compaction_token, normalize_input, responses_to_chat
from reference_gateway.translate.response import chat_to_response
from reference_gateway.translate.stream import ResponsesStream
from tests.reference_gateway.chat_shapes import call, calling

WIRE = Path(__file__).parent.parent / "fixtures" / "provider-wire" / "openai"
WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


def _chunk(delta: dict, finish: str | None = None) -> dict:
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


# The events every translated stream opens with, before its first item's own.
OPENING = ["response.created", "response.in_progress", "response.output_item.added"]


def _translated(*chunks: dict) -> list[dict]:
    """The Responses events a whole chat stream of `chunks` is translated into."""
    stream = ResponsesStream(request={"model": "groq/x"})
    events = stream.start()
    for chunk in chunks:
        events += stream.feed(chunk)
    return events + stream.finish()


def test_instructions_and_items_become_chat_messages() -> None:
    payload = {
        "model": "groq/x",
        "instructions": "Be brief.",
        "input": [
            {"role": "user", "content": "Weather?"},
            {
                "type": "function_call",
                "id": "fc_1",
                "status": "completed",
                "call_id": "call_1",
                "name": "get_weather",
                "arguments": '{"city":"Paris"}',
            },
            {"type": "function_call_output", "call_id": "call_1", "output": "Sunny"},
            {
                "type": "message",
                "role": "assistant",
                "id": "msg_1",
                "status": "completed",
                "content": [{"type": "output_text", "text": "It is sunny.", "annotations": [], "logprobs": []}],
            },
        ],
        "tools": [{"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": True}],
        "tool_choice": {"type": "function", "name": "get_weather"},
        "text": {"format": {"type": "json_schema", "name": "w", "schema": WEATHER}, "verbosity": "low"},
        "max_output_tokens": 50,
    }
    chat = responses_to_chat(payload, normalize_input(payload), model="x", stream=True)
    assert chat == {
        "model": "x",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather?"},
            calling(call("call_1", "get_weather", '{"city":"Paris"}')),
            {"role": "tool", "tool_call_id": "call_1", "content": "Sunny"},
            {"role": "assistant", "content": "It is sunny."},
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER, "strict": True}}],
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": WEATHER}},
        "verbosity": "low",
        "max_tokens": 50,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_consecutive_function_calls_merge_into_one_assistant_message() -> None:
    items = [
        {"type": "function_call", "call_id": "a", "name": "f", "arguments": "{}"},
        {"type": "function_call", "call_id": "b", "name": "g", "arguments": "{}"},
    ]
    chat = responses_to_chat({"input": items}, items, model="m", stream=False)
    assert [c["id"] for c in chat["messages"][0]["tool_calls"]] == ["a", "b"]


def test_unknown_item_type_is_rejected_naming_it() -> None:
    items = [{"type": "x_future", "foo": 1}]
    with pytest.raises(GatewayError) as err:
        responses_to_chat({"input": items}, items, model="m", stream=False)
    assert err.value.status == 400 and "x_future" in err.value.message


def test_a_gateway_compaction_item_expands_to_its_summary() -> None:
    items = [{"type": "compaction", "encrypted_content": compaction_token("Summary: code word fig.")}]
    chat = responses_to_chat({"input": items}, items, model="m", stream=False)
    assert chat["messages"] == [{"role": "system", "content": "Summary: code word fig."}]


def test_chat_completion_becomes_a_response_with_every_openai_field() -> None:
    completion = json.loads((WIRE / "chat_with_tools.json").read_text())
    recorded = json.loads((WIRE / "responses.json").read_text())
    response = chat_to_response(completion, request={"model": "groq/x"})
    missing = set(recorded) - set(response) - {"billing"}
    assert missing == set()
    [call] = response["output"]
    assert call["type"] == "function_call" and call["call_id"] == "call_X8zi23yeE70r4qiZ2lhIuRNK"
    assert response["usage"]["total_tokens"] == response["usage"]["input_tokens"] + response["usage"]["output_tokens"]


def test_text_stream_emits_the_full_lifecycle_in_order() -> None:
    events = _translated(
        _chunk({"role": "assistant", "content": ""}),
        *(_chunk({"content": piece}) for piece in ("Hel", "lo")),
        _chunk({}, "stop"),
        {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
    )
    assert [e["type"] for e in events] == [
        *OPENING,
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[-1]["response"]["output"][0]["content"][0]["text"] == "Hello"
    assert events[-1]["response"]["usage"]["total_tokens"] == 5


def test_tool_call_stream_emits_argument_deltas_and_done() -> None:
    opened = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": ""}}
    events = _translated(
        _chunk({"tool_calls": [opened]}),
        *(_chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}) for part in ('{"a":', "1}")),
        _chunk({}, "tool_calls"),
    )
    assert [e["type"] for e in events] == [
        *OPENING,
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert events[-3]["arguments"] == '{"a":1}' and events[-3]["name"] == "f"
    assert events[-1]["response"]["output"][0]["call_id"] == "call_1"


def test_a_broken_stream_ends_with_response_failed_and_no_open_items() -> None:
    stream = ResponsesStream(request={"model": "groq/x"})
    events = stream.start() + stream.feed(_chunk({"content": "partial"}))
    events += stream.fail("upstream stream broke")
    assert events[-1]["type"] == "response.failed"
    assert events[-1]["response"]["status"] == "failed"
    assert events[-1]["response"]["error"]["message"] == "upstream stream broke"
    assert events[-1]["response"]["output"] == []
