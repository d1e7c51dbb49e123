"""The Anthropic Messages emulator, mounted alone, against Anthropic's recorded wire and its request rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulators import anthropic
from harness.wire import parse_sse
from tests.emulators.served import CITY, mounted

WIRE = Path(__file__).parent.parent / "fixtures" / "provider-wire" / "anthropic"
HEADERS = {"x-api-key": "sk-ant-upstream", "anthropic-version": "2023-06-01"}
WEATHER = {"name": "get_weather", "description": "Weather for a city", "input_schema": CITY}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with mounted(anthropic.routes()) as c:
        yield c


def _post(client: TestClient, body: dict[str, Any], path: str = "/v1/messages") -> Any:
    return client.post(path, headers=HEADERS, json={"model": "claude-sonnet-4-20250514", "max_tokens": 64, **body})


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_message_has_the_recorded_fields_in_order(client: TestClient) -> None:
    recorded = json.loads((WIRE / "messages_with_tools.json").read_text())
    body = _post(client, {"messages": _user("Reply with exactly Hello World.")}).json()
    assert list(body) == list(recorded)
    assert list(body["usage"]) == list(recorded["usage"])
    assert body["content"] == [{"type": "text", "text": "Hello World"}]
    assert body["stop_reason"] == "end_turn" and body["id"].startswith("msg_")


def test_stream_has_the_recorded_event_sequence_and_framing(client: TestClient) -> None:
    recorded = parse_sse((WIRE / "messages_stream.txt").read_text())
    text = _post(client, {"stream": True, "messages": _user("Reply with exactly Hello World.")}).text
    ours = parse_sse(text)
    assert [e.event for e in ours.events] == [e.event for e in recorded.events]
    assert all(e.event == e.payload["type"] for e in ours.events)
    assert 'data: {"type": "ping"}\n' in text
    start, recorded_start = ours.events[0].payload["message"], recorded.events[0].payload["message"]
    assert list(start) == list(recorded_start) and list(start["usage"]) == list(recorded_start["usage"])
    assert list(ours.events[-2].payload["usage"]) == list(recorded.events[-2].payload["usage"])


def test_a_forced_tool_streams_its_input_in_json_fragments(client: TestClient) -> None:
    body = {
        "stream": True,
        "messages": _user("Weather please, city=Paris"),
        "tools": [WEATHER],
        "tool_choice": {"type": "tool", "name": "get_weather"},
    }
    events = [e.payload for e in parse_sse(_post(client, body).text).events]
    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["message_start", "content_block_start", "ping"]
    assert events[1]["content_block"]["type"] == "tool_use" and events[1]["content_block"]["input"] == {}
    fragments = [e["delta"]["partial_json"] for e in events if e["type"] == "content_block_delta"]
    assert fragments[0] == "" and len(fragments) > 2
    assert json.loads("".join(fragments)) == {"city": "Paris"}
    assert events[-2]["delta"]["stop_reason"] == "tool_use" and kinds[-1] == "message_stop"


def test_tool_result_round_trip_answers_from_the_result(client: TestClient) -> None:
    first = _post(client, {"messages": _user("Call the tool get_weather with city=Oslo"), "tools": [WEATHER]}).json()
    [use] = first["content"]
    assert use["type"] == "tool_use" and use["input"] == {"city": "Oslo"} and use["id"].startswith("toolu_")
    messages = [
        *_user("Call the tool get_weather with city=Oslo"),
        {"role": "assistant", "content": first["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use["id"], "content": "Snow"}]},
    ]
    second = _post(client, {"messages": messages, "tools": [WEATHER]}).json()
    assert second["content"] == [{"type": "text", "text": "The tool returned: Snow"}]


def test_disable_parallel_tool_use_gives_one_call(client: TestClient) -> None:
    other = {**WEATHER, "name": "get_time"}
    body = {"messages": _user("Call the tools get_weather and get_time"), "tools": [WEATHER, other]}
    assert [b["name"] for b in _post(client, body).json()["content"]] == ["get_weather", "get_time"]
    single = _post(client, {**body, "tool_choice": {"type": "auto", "disable_parallel_tool_use": True}}).json()
    assert [b["name"] for b in single["content"]] == ["get_weather"]


def test_system_blocks_and_tool_choice_none_are_honoured(client: TestClient) -> None:
    system = [{"type": "text", "text": "Be terse."}]
    answer = _post(client, {"system": system, "messages": _user("What are your instructions?")}).json()
    assert answer["content"][0]["text"] == "instructions=Be terse."
    body = {"messages": _user("Call the tool get_weather"), "tools": [WEATHER], "tool_choice": {"type": "none"}}
    assert _post(client, body).json()["content"][0]["type"] == "text"


def test_stop_sequences_and_max_tokens_end_the_answer_early(client: TestClient) -> None:
    messages = _user("Reply with exactly one two three four five.")
    stopped = _post(client, {"messages": messages, "stop_sequences": ["four"]}).json()
    assert stopped["content"][0]["text"] == "one two three "
    assert (stopped["stop_reason"], stopped["stop_sequence"]) == ("stop_sequence", "four")
    cut = _post(client, {"messages": messages, "max_tokens": 2}).json()
    assert cut["content"][0]["text"] == "one two" and cut["stop_reason"] == "max_tokens"
    assert cut["usage"]["output_tokens"] == 2


def test_count_tokens_counts_the_prompt_and_refuses_sampling_fields(client: TestClient) -> None:
    def count(body: dict[str, Any]) -> Any:
        return client.post(
            "/v1/messages/count_tokens", headers=HEADERS, json={"model": "claude-sonnet-4-20250514", **body}
        )

    short, long = count({"messages": _user("a b")}), count({"messages": _user("a b c d e f")})
    assert short.json()["input_tokens"] < long.json()["input_tokens"]
    refused = count({"messages": _user("a"), "max_tokens": 5})
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "max_tokens: Extra inputs are not permitted"


@pytest.mark.parametrize(
    ("headers", "status", "kind"),
    [
        ({"anthropic-version": "2023-06-01"}, 401, "authentication_error"),
        ({"x-api-key": "sk-ant-upstream"}, 400, "invalid_request_error"),
    ],
)
def test_missing_headers_answer_in_anthropics_error_format(
    client: TestClient, headers: dict[str, str], status: int, kind: str
) -> None:
    answer = client.post(
        "/v1/messages", headers=headers, json={"model": "claude-sonnet-4-20250514", "max_tokens": 5, "messages": []}
    )
    assert answer.status_code == status
    assert answer.json()["type"] == "error" and answer.json()["error"]["type"] == kind
    assert answer.json()["request_id"].startswith("req_")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"max_tokens": None}, "max_tokens: Input should be a valid integer greater than or equal to 1"),
        ({"response_format": {"type": "json_object"}}, "response_format: Extra inputs are not permitted"),
        ({"temperature": 1.5}, "temperature: Input should be less than or equal to 1"),
        ({"tool_choice": {"type": "any"}}, "tool_choice may only be specified while providing tools"),
        ({"messages": [{"role": "system", "content": "x"}]}, "messages.0.role: Input should be 'user' or 'assistant'"),
        ({"messages": [{"role": "user", "content": "x", "name": "bob"}]}, "messages.0.name: Extra inputs"),
        ({"tools": [{**WEATHER, "parameters": {}}]}, "tools.0.custom.parameters: Extra inputs are not permitted"),
    ],
)
def test_requests_anthropic_refuses_are_refused(client: TestClient, body: dict[str, Any], message: str) -> None:
    answer = _post(client, {"messages": _user("hi"), **body})
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith(message)


def test_every_tool_use_needs_its_result_in_the_next_turn(client: TestClient) -> None:
    use = {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}
    unanswered = [*_user("go"), {"role": "assistant", "content": [use]}, *_user("and?")]
    answer = _post(client, {"messages": unanswered, "tools": [WEATHER]})
    assert answer.status_code == 400 and "`tool_use` ids were found without `tool_result`" in answer.text
    stray = [*_user("go"), {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9"}]}]
    answer = _post(client, {"messages": stray})
    assert answer.status_code == 400 and "unexpected `tool_use_id`" in answer.text


def test_fault_injection_by_model_name(client: TestClient) -> None:
    failed = _post(client, {"model": "fail-500", "messages": _user("x")})
    assert failed.status_code == 500 and failed.json()["error"]["type"] == "api_error"
    body = {"model": "fail-midstream", "stream": True, "messages": _user("Reply with exactly a b c d e f g h i.")}
    kinds = [e.event for e in parse_sse(_post(client, body).text).events]
    assert kinds[0] == "message_start" and "message_stop" not in kinds
