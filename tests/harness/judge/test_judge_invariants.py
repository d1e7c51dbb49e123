"""Invariants judged on every exchange: the response echoes the request, item ids are unique and stable through a
stream, a stream's response.completed carries usage, and every output_text part is closed by output_text.done.
Each rule is silent on OpenAI's own wire and fires on a wire broken its way."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from harness.judge import judge_exchange
from harness.model import Finding, Level, Strictness
from harness.wire import Exchange, exchange_from

FIXTURES = Path(__file__).parent.parent.parent / "fixtures"
RESPONSE = json.loads((FIXTURES / "provider-wire" / "openai" / "responses.json").read_text())
STREAM = (FIXTURES / "provider-wire" / "openai" / "responses_stream.txt").read_text() + "\n"
# What OpenAI's recorded answer says it was asked (the dated snapshot answers for the bare model name).
ASKED: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "input": "hello",
    "tool_choice": "auto",
    "tools": [],
    "parallel_tool_calls": True,
    "metadata": {},
    "temperature": 1.0,
    "top_p": 1.0,
}


def plain(request: dict[str, Any], response: Any, path: str = "/v1/responses") -> Exchange:
    return exchange_from(
        0,
        {"method": "POST", "uri": f"http://gw{path}", "body": json.dumps(request)},
        {
            "status": {"code": 200},
            "headers": {"content-type": ["application/json"]},
            "body": {"string": json.dumps(response)},
        },
    )


def events() -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in STREAM.splitlines() if line.startswith("data: {")]


def streamed(request: dict[str, Any], evs: list[dict[str, Any]]) -> Exchange:
    text = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in evs)
    return exchange_from(
        0,
        {"method": "POST", "uri": "http://gw/v1/responses", "body": json.dumps({**request, "stream": True})},
        {"status": {"code": 200}, "headers": {"content-type": ["text/event-stream"]}, "body": {"string": text}},
    )


def found(findings: list[Finding]) -> set[tuple[str, Level]]:
    return {(f.rule, f.level) for f in findings}


def test_openai_s_own_answers_echo_what_was_asked() -> None:
    assert judge_exchange(plain(ASKED, RESPONSE)) == []
    assert judge_exchange(streamed(ASKED, events())) == []


@pytest.mark.parametrize(
    ("field", "asked"),
    [
        ("model", "gpt-4o"),
        ("tool_choice", "none"),
        ("tools", [{"type": "function", "name": "get_weather", "parameters": {}, "strict": True}]),
        ("parallel_tool_calls", False),
        ("instructions", "Be brief."),
        ("metadata", {"probe": "x"}),
        ("max_output_tokens", 64),
        ("temperature", 0.2),
        ("top_p", 0.5),
    ],
)
def test_a_plain_answer_that_does_not_echo_a_field_is_a_should(field: str, asked: Any) -> None:
    findings = judge_exchange(plain({**ASKED, field: asked}, RESPONSE))
    assert found(findings) == {(f"echo.{field}", Level.SHOULD)}, findings
    assert findings[0].where == f"$.{field}"


def test_a_stream_snapshot_naming_another_model_is_a_must_reported_once() -> None:
    findings = [f for f in judge_exchange(streamed({**ASKED, "model": "openai/gpt-4o-mini"}, events()))]
    assert found(findings) == {("echo.model", Level.MUST)}
    assert len(findings) == 1 and findings[0].where.startswith("event 0 response.created")


def test_a_stream_whose_parallel_tool_calls_flips_is_a_should() -> None:
    evs = events()
    evs[-1]["response"]["parallel_tool_calls"] = False
    findings = judge_exchange(streamed(ASKED, evs))
    assert found(findings) == {("echo.parallel_tool_calls", Level.SHOULD)}
    assert "response.completed" in findings[0].where


def test_a_dated_snapshot_is_the_model_asked_for_but_another_model_is_not() -> None:
    assert judge_exchange(plain({**ASKED, "model": "gpt-4o-mini"}, RESPONSE)) == []
    assert found(judge_exchange(plain({**ASKED, "model": "gpt-4o"}, RESPONSE))) == {("echo.model", Level.SHOULD)}


def test_a_tool_echoed_without_the_strict_it_was_sent_with_is_a_finding() -> None:
    tool = {"type": "function", "name": "f", "description": None, "parameters": {"type": "object"}, "strict": True}
    body = {**RESPONSE, "tools": [{**tool, "strict": False}]}
    assert found(judge_exchange(plain({**ASKED, "tools": [tool]}, body))) == {("echo.tools", Level.SHOULD)}
    assert judge_exchange(plain({**ASKED, "tools": [tool]}, {**RESPONSE, "tools": [tool]})) == []


def test_requests_to_other_endpoints_are_not_compared() -> None:
    findings = judge_exchange(plain({**ASKED, "model": "x"}, RESPONSE, "/v1/responses/compact"))
    assert not [f for f in findings if f.rule.startswith("echo.")]


def test_duplicate_item_ids_in_a_plain_answer_are_a_must() -> None:
    body = copy.deepcopy(RESPONSE)
    body["output"] = [body["output"][0], copy.deepcopy(body["output"][0])]
    findings = judge_exchange(plain(ASKED, body))
    assert ("item_id.unique", Level.MUST) in found(findings)
    assert any(f.where == "$.output[1].id" for f in findings)


def _second_message(evs: list[dict[str, Any]], same_id: bool) -> list[dict[str, Any]]:
    """The message's whole lifecycle repeated at output_index 1 (its id kept, or a fresh one)."""
    item_events = [e for e in evs if "output_index" in e]
    again = []
    for e in copy.deepcopy(item_events):
        e["output_index"] = 1
        if not same_id:
            if "item" in e:
                e["item"]["id"] += "2"
            if "item_id" in e:
                e["item_id"] += "2"
        again.append(e)
    last = copy.deepcopy(evs[-1])
    final_items = [e["item"] for e in again if e["type"] == "response.output_item.done"]
    last["response"]["output"] = [*last["response"]["output"], *final_items]
    out = [*evs[:-1], *again, last]
    return [{**e, "sequence_number": i} for i, e in enumerate(out)]


def test_two_streamed_items_sharing_an_id_are_a_must() -> None:
    assert judge_exchange(streamed(ASKED, _second_message(events(), same_id=False))) == []
    findings = judge_exchange(streamed(ASKED, _second_message(events(), same_id=True)))
    assert ("item_id.unique", Level.MUST) in found(findings)


def test_an_item_done_with_another_id_than_its_added_is_a_must() -> None:
    evs = events()
    for e in evs:
        if e["type"] == "response.output_item.done":
            e["item"]["id"] = "msg_other"
    assert ("stream.item_id", Level.MUST) in found(judge_exchange(streamed(ASKED, evs)))


@pytest.mark.parametrize(("level", "expected"), [(Strictness.OPENAI, Level.MUST), (Strictness.SDK, Level.SHOULD)])
def test_a_completed_stream_without_usage_is_a_finding(level: Strictness, expected: Level) -> None:
    evs = events()
    evs[-1]["response"]["usage"] = None
    findings = [f for f in judge_exchange(streamed(ASKED, evs), level) if f.rule == "stream.usage"]
    assert [(f.level, f.where) for f in findings] == [
        (expected, f"event {len(evs) - 1} response.completed $.response.usage")
    ]


def test_an_output_text_part_closed_without_output_text_done_is_a_must() -> None:
    evs = [e for e in events() if e["type"] != "response.output_text.done"]
    evs = [{**e, "sequence_number": i} for i, e in enumerate(evs)]
    findings = judge_exchange(streamed(ASKED, evs))
    assert ("stream.text_done", Level.MUST) in found(findings)
    assert next(f for f in findings if f.rule == "stream.text_done").where.endswith("response.content_part.done")
