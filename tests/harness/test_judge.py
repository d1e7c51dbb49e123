"""The wire judge: silent on the providers' real wire, and each rule failing on a stream broken its way."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.judge import judge_exchange, validate
from harness.model import Level, Strictness
from harness.wire import Exchange, exchange_from

WIRE = Path(__file__).parent.parent / "fixtures" / "provider-wire"


def _stream_exchange(text: str) -> Exchange:
    request = {"method": "POST", "uri": "http://gw/v1/responses", "body": json.dumps({"stream": True})}
    response = {"status": {"code": 200}, "headers": {"content-type": ["text/event-stream"]}, "body": {"string": text}}
    return exchange_from(0, request, response)


def _events(name: str) -> list[dict[str, Any]]:
    text = (WIRE / name).read_text()
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def _render(events: list[dict[str, Any]], names: bool = True) -> str:
    return "".join((f"event: {e.get('type')}\n" if names else "") + f"data: {json.dumps(e)}\n\n" for e in events)


@pytest.mark.parametrize("recording", ["openai/responses_stream.txt", "xai/responses_stream.txt"])
@pytest.mark.parametrize("level", [Strictness.SDK, Strictness.OPENAI])
def test_real_provider_streams_have_no_findings(recording: str, level: Strictness) -> None:
    assert judge_exchange(_stream_exchange((WIRE / recording).read_text() + "\n"), level) == []  # stored trimmed


@pytest.mark.parametrize("recording", ["openai/responses.json", "xai/responses.json"])
def test_real_provider_responses_match_the_openai_schema(recording: str) -> None:
    assert validate("Response", json.loads((WIRE / recording).read_text()), Strictness.OPENAI) == []


def _drop(kind: str) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    return lambda events: [e for e in events if e["type"] != kind]


def _renumber_gap(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "sequence_number": e["sequence_number"] + (1 if i > 3 else 0)} for i, e in enumerate(events)]


def _mutate(kind: str, **fields: Any) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    return lambda events: [{**e, **fields} if e["type"] == kind else e for e in events]


MUTATIONS: dict[str, tuple[Callable[[list[dict[str, Any]]], list[dict[str, Any]]], str]] = {
    "missing sequence_number": (
        lambda ev: [{k: v for k, v in e.items() if k != "sequence_number"} for e in ev],
        "stream.sequence_number",
    ),
    "sequence gap": (_renumber_gap, "stream.sequence_number"),
    "wrong first event": (lambda ev: ev[1:], "stream.first"),
    "two terminal events": (lambda ev: [*ev, ev[-1]], "stream.terminal"),
    "terminal not last": (lambda ev: [*ev[:-1], ev[-1], ev[-2]], "stream.terminal"),
    "no terminal event": (lambda ev: ev[:-1], "stream.terminal"),
    "deltas do not concatenate": (_mutate("response.output_text.delta", delta="X"), "stream.text_deltas"),
    "item lifecycle out of order": (_drop("response.output_item.added"), "stream.item_order"),
    "response id changes": (
        lambda ev: [*ev[:-1], {**ev[-1], "response": {**ev[-1]["response"], "id": "resp_other"}}],
        "stream.response_id",
    ),
    "completed without the output": (
        lambda ev: [*ev[:-1], {**ev[-1], "response": {**ev[-1]["response"], "output": []}}],
        "stream.completed_output",
    ),
    "event breaks its schema": (_mutate("response.output_text.delta", delta=5), "schema.event"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_stream_rule_fails_on_a_stream_broken_its_way(name: str) -> None:
    mutate, rule = MUTATIONS[name]
    findings = judge_exchange(
        _stream_exchange(_render(mutate(_events("openai/responses_stream.txt")))), Strictness.OPENAI
    )
    assert rule in {f.rule for f in findings if f.level is Level.MUST}, findings


def test_event_name_must_equal_type_and_done_is_required_at_open_responses_level() -> None:
    events = _events("openai/responses_stream.txt")
    renamed = _stream_exchange(_render(events).replace("event: response.created", "event: hello", 1))
    assert "sse.event_name" in {f.rule for f in judge_exchange(renamed, Strictness.OPENAI)}
    findings = judge_exchange(_stream_exchange(_render(events, names=False)), Strictness.OPENRESPONSES)
    assert {"sse.event_name", "sse.done"} <= {f.rule for f in findings if f.level is Level.MUST}


def test_missing_sequence_number_is_only_a_should_at_sdk_level() -> None:
    events = [{k: v for k, v in e.items() if k != "sequence_number"} for e in _events("openai/responses_stream.txt")]
    findings = judge_exchange(_stream_exchange(_render(events)), Strictness.SDK)
    assert findings and all(f.level is Level.SHOULD for f in findings)


@pytest.mark.parametrize(
    ("body", "level"),
    [
        ("Internal Server Error", Level.MUST),
        ('{"error": "bad"}', Level.MUST),
        ('{"error": {"message": "bad", "type": "invalid_request_error"}}', Level.SHOULD),
    ],
)
def test_error_answers_need_the_openai_envelope(body: str, level: Level) -> None:
    exchange = exchange_from(
        0,
        {"method": "POST", "uri": "http://gw/v1/responses", "body": "{}"},
        {"status": {"code": 400}, "headers": {"content-type": ["application/json"]}, "body": {"string": body}},
    )
    assert [f.level for f in judge_exchange(exchange, Strictness.OPENAI)] == [level]


def test_stream_requested_but_json_answered_is_a_failure() -> None:
    exchange = exchange_from(
        0,
        {"method": "POST", "uri": "http://gw/v1/responses", "body": '{"stream": true}'},
        {"status": {"code": 200}, "headers": {"content-type": ["application/json"]}, "body": {"string": "{}"}},
    )
    assert [f.rule for f in judge_exchange(exchange, Strictness.OPENAI)] == ["stream.content_type"]
