"""Judging whole exchanges: status and content type, the error envelope, the schema chosen by method and path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.judge import judge_exchange, judge_exchanges
from harness.model import Level, Strictness
from harness.wire import Exchange, exchange_from, load_exchanges

FIXTURES = Path(__file__).parent.parent.parent / "fixtures"
RESPONSE = json.loads((FIXTURES / "provider-wire" / "openai" / "responses.json").read_text())


def exchange(
    method: str,
    path: str,
    status: int,
    body: Any,
    content_type: str = "application/json",
    request: Any = None,
    index: int = 0,
) -> Exchange:
    text = body if isinstance(body, str) else json.dumps(body)
    return exchange_from(
        index,
        {"method": method, "uri": f"http://gw{path}", "body": None if request is None else json.dumps(request)},
        {"status": {"code": status}, "headers": {"content-type": [content_type]}, "body": {"string": text}},
    )


def rules(ex: Exchange, level: Strictness = Strictness.OPENAI) -> list[tuple[str, Level]]:
    return [(f.rule, f.level) for f in judge_exchange(ex, level)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Internal Server Error", [("error.envelope", Level.MUST)]),
        ("", [("error.envelope", Level.MUST)]),
        ({"error": "bad"}, [("error.envelope", Level.MUST)]),
        ({"detail": "Not Found"}, [("error.envelope", Level.MUST)]),
        ({"error": {"message": "bad"}}, [("error.envelope", Level.MUST)]),
        ({"error": {"message": "bad", "type": "invalid_request_error"}}, [("error.envelope", Level.SHOULD)]),
        ({"error": {"message": "bad", "type": "x", "param": None, "code": 400}}, [("error.envelope", Level.SHOULD)]),
        ({"error": {"message": "bad", "type": "invalid_request_error", "param": "model", "code": None}}, []),
    ],
)
@pytest.mark.parametrize("status", [400, 404, 500, 502])
def test_error_answers_need_the_openai_envelope(body: Any, expected: list[tuple[str, Level]], status: int) -> None:
    assert rules(exchange("POST", "/v1/responses", status, body)) == expected


def test_an_error_envelope_labelled_as_text_is_only_a_should() -> None:
    body = {"error": {"message": "bad", "type": "invalid_request_error", "param": None, "code": None}}
    assert rules(exchange("GET", "/v1/responses/x", 404, body, "text/plain")) == [("http.content_type", Level.SHOULD)]


def test_a_stream_requested_but_json_answered_fails() -> None:
    ex = exchange("POST", "/v1/responses", 200, RESPONSE, request={"stream": True})
    assert rules(ex) == [("stream.content_type", Level.MUST)]


def test_a_stream_answered_to_a_plain_request_fails() -> None:
    ex = exchange("POST", "/v1/responses", 200, 'data: {"type": "response.created"}\n\n', "text/event-stream", {})
    assert rules(ex) == [("http.content_type", Level.MUST)]


def test_json_must_be_labelled_and_parse() -> None:
    assert rules(exchange("POST", "/v1/responses", 200, RESPONSE, "text/plain")) == [("http.content_type", Level.MUST)]
    assert rules(exchange("POST", "/v1/responses", 200, "{not json")) == [("http.json", Level.MUST)]


@pytest.mark.parametrize("prefix", ["/v1", "/openai/v1", "/api/gateway/v1"])
def test_a_real_openai_response_passes_under_any_mount_point(prefix: str) -> None:
    for level in Strictness:
        if level is not Strictness.OPENRESPONSES:
            assert rules(exchange("POST", f"{prefix}/responses", 200, RESPONSE), level) == []
            assert rules(exchange("GET", f"{prefix}/responses/resp_1", 200, RESPONSE), level) == []


def test_a_response_missing_a_field_fails_with_the_path_named() -> None:
    broken = {k: v for k, v in RESPONSE.items() if k != "output"}
    findings = judge_exchange(exchange("POST", "/v1/responses", 200, broken), Strictness.OPENAI)
    assert [(f.rule, f.level, f.where, f.received) for f in findings] == [
        ("schema.Response", Level.MUST, "$", "'output' is a required property")
    ]


def test_at_sdk_level_what_only_openai_requires_is_a_should() -> None:
    trimmed = {k: v for k, v in RESPONSE.items() if k not in ("temperature", "top_p")}
    assert (
        rules(exchange("POST", "/v1/responses", 200, trimmed), Strictness.OPENAI)
        == [("schema.Response", Level.MUST)] * 2
    )
    assert (
        rules(exchange("POST", "/v1/responses", 200, trimmed), Strictness.SDK)
        == [("schema.Response", Level.SHOULD)] * 2
    )
    no_id = {k: v for k, v in RESPONSE.items() if k != "id"}
    assert ("schema.Response", Level.MUST) in rules(exchange("POST", "/v1/responses", 200, no_id), Strictness.SDK)


ITEM = {"id": "msg_1", "type": "message", "role": "user", "status": "completed",
        "content": [{"type": "input_text", "text": "hi"}]}  # fmt: skip
LIST = {"object": "list", "data": [ITEM], "first_id": "msg_1", "last_id": "msg_1", "has_more": False}
CONVERSATION = {"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": {}}


@pytest.mark.parametrize(
    ("method", "path", "good", "schema"),
    [
        ("GET", "/v1/responses/resp_1/input_items", LIST, "ResponseItemList"),
        ("POST", "/v1/responses/input_tokens", {"object": "response.input_tokens", "input_tokens": 3},
         "TokenCountsResource"),
        ("POST", "/v1/conversations", CONVERSATION, "ConversationResource"),
        ("GET", "/v1/conversations/conv_1", CONVERSATION, "ConversationResource"),
        ("DELETE", "/v1/conversations/conv_1", {"id": "conv_1", "object": "conversation.deleted", "deleted": True},
         "DeletedConversationResource"),
        ("GET", "/v1/conversations/conv_1/items", LIST, "ConversationItemList"),
        ("GET", "/v1/conversations/conv_1/items/msg_1", ITEM, "ConversationItem"),
    ],
)  # fmt: skip
def test_each_endpoint_is_judged_by_its_own_schema(method: str, path: str, good: Any, schema: str) -> None:
    assert rules(exchange(method, path, 200, good)) == []
    broken = {**good, "object": 42} if "object" in good else {**good, "type": 42}
    assert set(rules(exchange(method, path, 200, broken))) == {(f"schema.{schema}", Level.MUST)}


def test_an_empty_list_may_carry_null_ids() -> None:
    empty = {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
    assert rules(exchange("GET", "/v1/responses/resp_1/input_items", 200, empty)) == []


def test_open_responses_judges_by_its_own_schema_and_falls_back_to_openai_for_the_rest() -> None:
    # Open Responses wants every top-level field present; OpenAI's own schema lets these two be left out.
    trimmed = {k: v for k, v in RESPONSE.items() if k not in ("presence_penalty", "safety_identifier")}
    assert rules(exchange("POST", "/v1/responses", 200, RESPONSE), Strictness.OPENRESPONSES) == []
    assert rules(exchange("POST", "/v1/responses", 200, trimmed), Strictness.OPENAI) == []
    findings = judge_exchange(exchange("POST", "/v1/responses", 200, trimmed), Strictness.OPENRESPONSES)
    assert sorted((f.where, f.received) for f in findings) == [
        ("$", "'presence_penalty' is a required property"),
        ("$", "'safety_identifier' is a required property"),
    ]
    assert {f.rule for f in findings} == {"schema.ResponseResource"}
    assert rules(exchange("GET", "/v1/responses/resp_1/input_items", 200, LIST), Strictness.OPENRESPONSES) == []


def test_other_protocols_and_chat_streams_are_not_judged_by_responses_rules() -> None:
    anthropic = exchange("POST", "/v1/messages", 401, {"type": "error", "error": {"type": "authentication_error"}})
    gemini = exchange("POST", "/v1beta/models/g:generateContent", 400, {"error": {"code": 400}})
    assert rules(anthropic) == [] and rules(gemini) == []
    chat = load_exchanges(FIXTURES / "cassettes" / "mixed_bodies.yaml")[1]
    assert rules(chat) == []


def test_a_whole_cassette_is_judged_with_each_finding_naming_its_exchange() -> None:
    exchanges = [
        exchange("POST", "/v1/responses", 200, RESPONSE, index=0),
        exchange("GET", "/v1/responses/x", 404, "nope", "text/plain", index=1),
        *[exchange("POST", "/v1/responses", 500, "boom", "text/plain", index=i) for i in range(2, 10)],
        exchange("POST", "/v1/responses", 500, "boom", "text/plain", index=2),
    ]
    findings = judge_exchanges(exchanges, Strictness.OPENAI)
    # One entry per kind, the first occurrence listed with its repeats; the exact repeat of exchange 2 is not one.
    assert [(f.exchange, f.received, f.repeats) for f in findings] == [(1, "nope", 1), (2, "boom", 8)]
    assert {f.rule for f in findings} == {"error.envelope"}
    assert sum(f.count for f in findings) == 9


def test_a_schema_finding_carries_the_json_path_and_the_real_cause() -> None:
    broken = json.loads(json.dumps(RESPONSE))
    call = {"id": "ws_1", "type": "web_search_call", "status": "completed"}
    broken["output"].insert(1, {**call, "action": {"type": "search", "query": "q", "sources": None}})
    (finding,) = judge_exchange(exchange("POST", "/v1/responses", 200, broken), Strictness.OPENAI)
    assert (finding.rule, finding.level) == ("schema.Response", Level.MUST)
    assert (finding.where, finding.received) == ("$.output[1].action.sources", "null is not of type 'array'")
