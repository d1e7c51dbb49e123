"""parse_sse: the WHATWG event-stream rules, plus what the OpenAI wire adds ([DONE], JSON data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.wire import parse_sse

WIRE = Path(__file__).parent.parent / "fixtures" / "provider-wire"


def test_event_and_data_lines_make_one_event_per_blank_line() -> None:
    parsed = parse_sse('event: a\ndata: {"type": "a"}\n\nevent: b\ndata: {"type": "b"}\n\n')
    assert [(e.index, e.event, e.payload) for e in parsed.events] == [(0, "a", {"type": "a"}), (1, "b", {"type": "b"})]
    assert parsed.errors == [] and not parsed.done and parsed.unterminated is None


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_every_line_ending_is_accepted(newline: str) -> None:
    text = newline.join(["event: x", 'data: {"n": 1}', "", 'data: {"n": 2}', "", ""])
    parsed = parse_sse(text)
    assert [e.payload for e in parsed.events] == [{"n": 1}, {"n": 2}]
    assert [e.event for e in parsed.events] == ["x", None]


def test_multi_line_data_is_joined_with_newlines() -> None:
    parsed = parse_sse('data: {"a":\ndata: 1}\n\n')
    assert parsed.events[0].data == '{"a":\n1}'
    assert parsed.events[0].payload == {"a": 1}


def test_comments_and_unknown_fields_are_ignored() -> None:
    parsed = parse_sse(': keep-alive\nretry: 10\nfoo: bar\ndata: {"ok": true}\n\n: bye\n\n')
    assert [e.payload for e in parsed.events] == [{"ok": True}]
    assert parsed.errors == []


def test_only_one_space_after_the_colon_is_stripped_and_a_bare_field_is_empty() -> None:
    parsed = parse_sse('event:  spaced\ndata:{"x":1}\n\nevent\ndata: {"y": 2}\n\n')
    assert [e.event for e in parsed.events] == [" spaced", ""]
    assert [e.payload for e in parsed.events] == [{"x": 1}, {"y": 2}]


def test_a_blank_line_with_no_data_dispatches_nothing_but_an_empty_data_line_does() -> None:
    assert parse_sse("event: lonely\n\n: note\n\n").events == []
    parsed = parse_sse("data:\n\n")
    assert [e.data for e in parsed.events] == [""]


def test_the_last_event_id_carries_over_to_later_events() -> None:
    parsed = parse_sse('id: 7\ndata: {"a": 1}\n\ndata: {"a": 2}\n\nid: 9\ndata: {"a": 3}\n\nid: x\0y\ndata: {}\n\n')
    assert [e.id for e in parsed.events] == ["7", "7", "9", "9"]


def test_a_leading_byte_order_mark_is_skipped() -> None:
    parsed = parse_sse('\ufeffevent: a\ndata: {"a": 1}\n\n')
    assert parsed.events[0].event == "a"


def test_done_ends_the_stream_and_is_not_an_event() -> None:
    parsed = parse_sse('data: {"a": 1}\n\ndata: [DONE]\n\n')
    assert parsed.done and len(parsed.events) == 1 and parsed.errors == []


def test_anything_after_done_is_an_error() -> None:
    parsed = parse_sse('data: [DONE]\n\ndata: {"a": 1}\n\ndata: [DONE]\n\n')
    assert len(parsed.errors) == 2
    assert "after data: [DONE]" in parsed.errors[0] and "second" in parsed.errors[1]


def test_data_that_is_not_json_is_an_error_but_still_an_event() -> None:
    parsed = parse_sse("data: hello\n\n")
    assert parsed.events[0].payload is None and parsed.events[0].data == "hello"
    assert "not JSON" in parsed.errors[0]


@pytest.mark.parametrize("tail", ['data: {"a": 2}\n', 'data: {"a": 2}'])
def test_an_event_the_stream_ends_inside_is_kept_but_flagged(tail: str) -> None:
    parsed = parse_sse('data: {"a": 1}\n\n' + tail)
    assert [e.payload for e in parsed.events] == [{"a": 1}, {"a": 2}]
    assert parsed.unterminated == '{"a": 2}'


def test_a_truncated_json_line_is_flagged_both_ways() -> None:
    parsed = parse_sse('data: {"a": 1}\n\ndata: {"a"')
    assert parsed.unterminated == '{"a"' and "not JSON" in parsed.errors[0]


def test_the_recorded_openai_stream_parses_cleanly() -> None:
    # The fixture is stored with its final blank line trimmed; on the wire every event ends with one.
    parsed = parse_sse((WIRE / "openai" / "responses_stream.txt").read_text() + "\n")
    assert parsed.errors == [] and parsed.unterminated is None
    assert all(e.event == e.payload["type"] for e in parsed.events)
    assert parsed.events[0].event == "response.created" and parsed.events[-1].event == "response.completed"
