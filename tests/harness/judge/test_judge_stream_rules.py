"""The Responses stream rules: silent on OpenAI's real stream, and each one failing on a stream broken its way."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.judge import judge_exchange
from harness.judge.report import MAX_PER_RULE, tidy
from harness.model import Finding, Level, Strictness
from harness.wire import Exchange, exchange_from, load_exchanges

FIXTURES = Path(__file__).parent.parent.parent / "fixtures"
WIRE = FIXTURES / "provider-wire"
Events = list[dict[str, Any]]
Mutation = Callable[[Events], Events]


def stream_exchange(text: str, path: str = "/v1/responses", model: str | None = None) -> Exchange:
    # The request names the model the recorded stream answers with (the judge checks the echo).
    found = re.search(r'"model": ?"([^"]+)"', text)
    asked = model or (found.group(1) if found else "m")
    request = {"method": "POST", "uri": f"http://gw{path}", "body": json.dumps({"model": asked, "stream": True})}
    response = {"status": {"code": 200}, "headers": {"Content-Type": ["text/event-stream"]}, "body": {"string": text}}
    return exchange_from(0, request, response)


def recorded(name: str) -> Events:
    text = (WIRE / name).read_text()
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: {")]


def function_call_events() -> Events:
    sse = load_exchanges(FIXTURES / "cassettes" / "function_call_stream.yaml")[0].sse
    assert sse is not None
    return [e.payload for e in sse.events]


def render(events: Events, names: bool = True, done: bool = False) -> str:
    text = "".join((f"event: {e.get('type')}\n" if names else "") + f"data: {json.dumps(e)}\n\n" for e in events)
    return text + ("data: [DONE]\n\n" if done else "")


def judge(events: Events, level: Strictness = Strictness.OPENAI, **kw: bool) -> list[Finding]:
    return judge_exchange(stream_exchange(render(events, **kw)), level)


def must(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings if f.level is Level.MUST}


@pytest.mark.parametrize("recording", ["openai/responses_stream.txt", "xai/responses_stream.txt"])
@pytest.mark.parametrize("level", [Strictness.SDK, Strictness.OPENAI])
def test_the_real_openai_wire_raises_no_finding(recording: str, level: Strictness) -> None:
    # Stored with the final blank line trimmed; on the wire every event ends with one.
    assert judge_exchange(stream_exchange((WIRE / recording).read_text() + "\n"), level) == []


@pytest.mark.parametrize("level", list(Strictness))
def test_a_streamed_function_call_raises_no_finding(level: Strictness) -> None:
    assert judge(function_call_events(), level, done=True) == []


def renumber(events: Events) -> Events:
    return [{**e, "sequence_number": i} for i, e in enumerate(events)]


def change(kind: str, **fields: Any) -> Mutation:
    return lambda events: [{**e, **fields} if e["type"] == kind else e for e in events]


def drop(kind: str) -> Mutation:
    return lambda events: renumber([e for e in events if e["type"] != kind])


def with_response(**fields: Any) -> Mutation:
    return lambda ev: [*ev[:-1], {**ev[-1], "response": {**ev[-1]["response"], **fields}}]


def swap(first: str, second: str) -> Mutation:
    def mutate(events: Events) -> Events:
        kinds = [e["type"] for e in events]
        i, j = kinds.index(first), kinds.index(second)
        events = list(events)
        events[i], events[j] = events[j], events[i]
        return renumber(events)

    return mutate


def split_text_delta(events: Events) -> Events:
    # Two deltas where one was, the second repeating a word: they no longer add up to the done text.
    out: Events = []
    for e in events:
        out.append(e)
        if e["type"] == "response.output_text.delta":
            out.append({**e, "delta": " again"})
    return renumber(out)


TEXT_STREAM: dict[str, tuple[Mutation, str]] = {
    "missing sequence_number": (
        lambda ev: [{k: v for k, v in e.items() if k != "sequence_number"} for e in ev],
        "stream.sequence_number",
    ),
    "sequence_number gap": (
        lambda ev: [{**e, "sequence_number": i + (i > 3)} for i, e in enumerate(ev)],
        "stream.sequence_number",
    ),
    "sequence_number not starting at 0": (
        lambda ev: [{**e, "sequence_number": i + 1} for i, e in enumerate(ev)],
        "stream.sequence_number",
    ),
    "wrong first event": (lambda ev: renumber(ev[1:]), "stream.first"),
    "two terminal events": (lambda ev: renumber([*ev, ev[-1]]), "stream.terminal"),
    "terminal event not last": (lambda ev: renumber([*ev[:-2], ev[-1], ev[-2]]), "stream.terminal"),
    "no terminal event": (lambda ev: ev[:-1], "stream.terminal"),
    "text deltas not concatenating": (split_text_delta, "stream.text_deltas"),
    "text delta changed": (change("response.output_text.delta", delta="Hi"), "stream.text_deltas"),
    "no output_item.added": (drop("response.output_item.added"), "stream.item_order"),
    "no content_part.added": (drop("response.content_part.added"), "stream.item_order"),
    "text done after its part": (swap("response.output_text.done", "response.content_part.done"), "stream.item_order"),
    "item done before its part": (swap("response.content_part.done", "response.output_item.done"), "stream.item_order"),
    "item done twice": (
        lambda ev: renumber([*ev[:-1], *[e for e in ev if e["type"] == "response.output_item.done"], ev[-1]]),
        "stream.item_order",
    ),
    "response id changing": (with_response(id="resp_other"), "stream.response_id"),
    "completed without the output": (with_response(output=[]), "stream.completed_output"),
    "completed text differing from the deltas": (
        lambda ev: with_response(
            output=[
                {
                    **ev[-1]["response"]["output"][0],
                    "content": [{"type": "output_text", "text": "Bye", "annotations": [], "logprobs": []}],
                }
            ]
        )(ev),
        "stream.text_deltas",
    ),
    "item_id changing": (change("response.output_text.delta", item_id="msg_other"), "stream.item_id"),
    "an event breaking its schema": (change("response.output_text.delta", delta=5), "schema.event"),
}


@pytest.mark.parametrize("name", sorted(TEXT_STREAM))
def test_each_stream_rule_fails_on_a_text_stream_broken_its_way(name: str) -> None:
    mutate, rule = TEXT_STREAM[name]
    findings = judge(mutate(recorded("openai/responses_stream.txt")))
    assert rule in must(findings), findings


def split_arguments(events: Events) -> Events:
    out: Events = []
    for e in events:
        if e["type"] == "response.function_call_arguments.delta":
            out += [{**e, "delta": e["delta"][:5]}, {**e, "delta": e["delta"][5:]}]
        else:
            out.append(e)
    return renumber(out)


CALL_STREAM: dict[str, tuple[Mutation, str]] = {
    "argument deltas not concatenating": (
        lambda ev: change("response.function_call_arguments.delta", delta='{"city":"Rome"}')(ev),
        "stream.argument_deltas",
    ),
    "item arguments differing": (
        lambda ev: [
            {**e, "item": {**e["item"], "arguments": "{}"}} if e["type"] == "response.output_item.done" else e
            for e in ev
        ],
        "stream.argument_deltas",
    ),
    "arguments delta after done": (
        swap("response.function_call_arguments.delta", "response.function_call_arguments.done"),
        "stream.item_order",
    ),
    "output_index skipping": (
        lambda ev: [{**e, "output_index": 1} if "output_index" in e else e for e in ev],
        "stream.item_order",
    ),
}


@pytest.mark.parametrize("name", sorted(CALL_STREAM))
def test_each_stream_rule_fails_on_a_function_call_stream_broken_its_way(name: str) -> None:
    mutate, rule = CALL_STREAM[name]
    findings = judge(mutate(function_call_events()))
    assert rule in must(findings), findings


def test_split_argument_deltas_are_fine() -> None:
    assert judge(split_arguments(function_call_events())) == []


def test_an_event_name_differing_from_its_type_fails_except_at_sdk_level() -> None:
    text = render(recorded("openai/responses_stream.txt")).replace("event: response.created", "event: hello", 1)
    for level, expected in ((Strictness.SDK, Level.SHOULD), (Strictness.OPENAI, Level.MUST)):
        names = [f for f in judge_exchange(stream_exchange(text), level) if f.rule == "sse.event_name"]
        assert [(f.level, f.where, f.received) for f in names] == [
            (expected, "event 0 response.created", "event: hello")
        ]


def test_missing_event_lines_and_done_matter_only_at_open_responses_level() -> None:
    events = recorded("openai/responses_stream.txt")
    assert judge(events, Strictness.SDK, names=False) == []
    assert {(f.rule, f.level) for f in judge(events, Strictness.OPENAI, names=False)} == {
        ("sse.event_name", Level.SHOULD)
    }
    assert {"sse.event_name", "sse.done"} <= must(judge(events, Strictness.OPENRESPONSES, names=False))


def test_missing_sequence_numbers_are_only_a_should_at_sdk_level() -> None:
    events = [{k: v for k, v in e.items() if k != "sequence_number"} for e in recorded("openai/responses_stream.txt")]
    findings = judge(events, Strictness.SDK)
    assert findings and {f.level for f in findings} == {Level.SHOULD}
    assert {f.rule for f in findings} == {"stream.sequence_number", "schema.event"}


def test_an_unknown_event_type_is_a_should_not_a_must() -> None:
    events = recorded("openai/responses_stream.txt")
    events.insert(2, {"type": "response.vendor.thinking", "sequence_number": 2})
    findings = judge(renumber(events))
    assert [(f.rule, f.level, f.received) for f in findings] == [
        ("stream.unknown_event", Level.SHOULD, "response.vendor.thinking")
    ]


def test_a_final_event_without_its_blank_line_is_lost_to_clients() -> None:
    text = render(recorded("openai/responses_stream.txt"))
    findings = judge_exchange(stream_exchange(text[:-1]), Strictness.OPENAI)
    assert [(f.rule, f.level) for f in findings] == [("sse.unterminated", Level.MUST)]
    only_done = judge_exchange(stream_exchange(text + "data: [DONE]\n"), Strictness.OPENAI)
    assert [(f.rule, f.level) for f in only_done] == [("sse.unterminated", Level.SHOULD)]


def test_garbage_in_the_stream_is_a_syntax_failure() -> None:
    text = render(recorded("openai/responses_stream.txt")).replace("data: {", "data: {{", 1)
    findings = judge_exchange(stream_exchange(text), Strictness.OPENAI)
    assert "sse.syntax" in must(findings)
    assert "stream.first" in must(findings)


def test_an_empty_stream_fails() -> None:
    assert must(judge_exchange(stream_exchange(": nothing\n\n"), Strictness.OPENAI)) == {"stream.empty"}


def test_a_message_with_two_content_parts_is_a_valid_lifecycle() -> None:
    events = recorded("openai/responses_stream.txt")
    kinds = [e["type"] for e in events]
    start, end = kinds.index("response.content_part.added"), kinds.index("response.content_part.done")
    second = [{**e, "content_index": 1} for e in events[start : end + 1]]
    out = events[: end + 1] + second + events[end + 1 :]
    for e in out:
        if e["type"] == "response.output_item.done" or e["type"] == "response.completed":
            item = e["item"] if "item" in e else e["response"]["output"][0]
            item["content"] = [item["content"][0], dict(item["content"][0])]
    assert judge(renumber(out)) == []


def test_a_deviation_repeated_on_every_event_is_one_finding_counting_its_repeats() -> None:
    events = recorded("openai/responses_stream.txt")
    events = renumber([*events[:4], *[e for e in events if e["type"] == "response.output_text.delta"] * 4, *events[4:]])
    bad = [{**e, "delta": 1} if e["type"] == "response.output_text.delta" else e for e in events]
    deltas = sum(e["type"] == "response.output_text.delta" for e in bad)
    findings = judge(bad)
    (schema,) = [f for f in findings if f.rule == "schema.event"]
    assert schema.repeats == deltas == schema.count and deltas > 5
    assert schema.where.startswith("event ") and "response.output_text.delta $.delta" in schema.where  # the first
    assert len(findings) == len(set(findings))


def test_past_the_cap_the_other_kinds_of_a_rule_are_counted_not_listed() -> None:
    findings = [
        Finding("schema.Response", Level.MUST, "m", 0, f"$.field_{n}", received=f"{n} is wrong") for n in range(25)
    ]
    listed = tidy(findings * 2)  # exact repeats are one
    assert [f.elided for f in listed] == [0] * MAX_PER_RULE + [25 - MAX_PER_RULE]
    assert "more schema.Response findings of other kinds" in listed[-1].message
    assert sum(f.count for f in listed) == 25


def test_a_stream_resumed_with_starting_after_is_numbered_from_there() -> None:
    events = recorded("openai/responses_stream.txt")[6:]
    text = render(events)

    def resumed(query: str) -> list[Finding]:
        ex = exchange_from(
            0,
            {"method": "GET", "uri": f"http://gw/v1/responses/resp_1?stream=true{query}", "body": None},
            {"status": {"code": 200}, "headers": {"content-type": ["text/event-stream"]}, "body": {"string": text}},
        )
        return judge_exchange(ex, Strictness.OPENAI)

    assert resumed("&starting_after=5") == []
    assert must(resumed("&starting_after=3")) == {"stream.sequence_number"}
    assert {"stream.first", "stream.sequence_number"} <= must(resumed(""))


def test_an_event_without_a_type_fails() -> None:
    events = recorded("openai/responses_stream.txt")
    events.insert(3, {"sequence_number": 3, "delta": "x"})
    assert "sse.type" in must(judge(renumber(events)))
