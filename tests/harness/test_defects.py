"""Defects, not fails (harness/defects.py): every finding and failure of a run grouped into distinct defects."""

from __future__ import annotations

from harness.defects import assign, defect_id, failure_key, finding_key, group
from harness.model import Behaviour, Finding, Level, Outcome, Verdict

MUST, SHOULD = Level.MUST, Level.SHOULD


def _missing(event: int, kind: str, field: str) -> Finding:
    where = f"event {event} {kind} $.response"
    return Finding(
        "schema.event", MUST, f"{kind} does not match its schema", 0, where, "", f"'{field}' is a required property"
    )


def _verdict(target: str, probe: str, *findings: Finding, check: str = "", received: str = "") -> Verdict:
    return Verdict(
        target, probe, MUST, Outcome.FAIL, findings=findings, cassette=f"c/{target}/{probe}.yaml", check=check,
        check_received=received,
    )  # fmt: skip


def test_snapshots_lacking_the_same_fields_on_every_event_and_probe_are_one_defect() -> None:
    events = [
        _missing(n, kind, field)
        for n, kind in enumerate(("response.created", "response.in_progress", "response.completed"))
        for field in ("error", "metadata")
    ]
    verdicts = [_verdict(t, p, *events) for t in ("gw-a", "gw-b") for p in ("responses.stream.text", "agents.run")]
    (defect,) = group(verdicts)
    assert defect.title == "streamed response snapshots omit required fields `error`, `metadata`"
    assert defect.targets == ("gw-a", "gw-b") and defect.reach == 4 and defect.occurrences == 24
    assert defect.evidence == "c/gw-a/responses.stream.text.yaml, exchange 0, event 0 response.created $.response"
    assert all(v.defects == (defect.id,) and v.label == "works · 1 defect" for v in assign(verdicts, [defect]))


def test_the_same_missing_field_at_several_places_is_one_defect_naming_them() -> None:
    logprobs = "'logprobs' is a required property"
    verdict = _verdict(
        "gw",
        "responses.stream.text",
        Finding("schema.Response", MUST, "m", 0, "$.output[0].content[0]", "", logprobs),
        Finding("schema.event", MUST, "m", 1, "event 4 response.output_text.delta", "", logprobs),
        Finding("schema.event", MUST, "m", 1, "event 9 response.output_text.done", "", logprobs),
    )
    (defect,) = group([verdict])
    assert "omit required field `logprobs`" in defect.title
    assert (
        "Response answers at `$.output[*].content[*]`" in defect.title and "`response.output_text.done`" in defect.title
    )


def test_nulls_for_fields_of_one_object_are_one_defect_and_other_objects_another() -> None:
    def null(where: str, kind: str) -> Finding:
        return Finding("schema.Response", MUST, "m", 0, where, "", f"null is not of type '{kind}'")

    verdict = _verdict(
        "gw",
        "agents.run",
        null("$.tools[0].defer_loading", "boolean"),
        null("$.tools[1].defer_loading", "boolean"),
        null("$.tools[0].max_num_results", "integer"),
        null("$.output[2].namespace", "string"),
    )
    titles = sorted(d.title for d in group([verdict]))
    assert titles == [
        "Response answers at `$.output[*]`: null for `namespace` (a value or no field, not null)",
        "Response answers at `$.tools[*]`: null for `defer_loading`, `max_num_results` (a value or no field, not null)",
    ]


def test_the_same_error_answer_on_several_probes_is_one_defect_and_not_twice_with_its_envelope() -> None:
    body = '{"detail":"Not Found"}'
    envelope = Finding("error.envelope", MUST, "a 404 answer must carry the OpenAI error envelope", 0, "body", "", body)
    failed = [
        _verdict("gw", f"conversations.p{i}", envelope, check="unexpected HTTP 404", received=f"HTTP 404 {body}")
        for i in range(3)
    ]
    other = _verdict("gw", "responses.basic.text", check="the answer did not say pong", received="HTTP 200 {}")
    defects = group([*failed, other])
    assert [(d.title, d.reach) for d in defects] == [
        ('HTTP 404 answers are not OpenAI error envelopes: {"detail": "string"} (first: {"detail":"Not Found"})', 3),
        ("the answer did not say pong", 1),
    ]


def test_ids_are_stable_and_must_comes_before_should_then_reach() -> None:
    should = Finding(
        "sse.event_name", SHOULD, "event without an `event:` line", 0, "event 3 response.output_text.delta"
    )
    must = Finding("schema.Response", MUST, "m", 0, "$.text", "", "null is not of type 'object'")
    verdicts = [_verdict("gw", f"p{i}", should) for i in range(5)] + [_verdict("gw", "q", must)]
    defects = group(verdicts)
    assert [d.level for d in defects] == [MUST, SHOULD] and defects[1].reach == 5
    key = finding_key(should)
    assert key == ("wire", "sse.event_name", "every event", "")
    assert defect_id(key) == defects[1].id == defect_id(("wire", "sse.event_name", "every event", ""))
    assert defects[1].id == "D-" + defects[1].id[2:] and len(defects[1].id) == 8


def test_skipped_and_passing_probes_show_no_defect() -> None:
    skipped = Verdict("gw", "faults.hang", MUST, Outcome.SKIP, behaviour=Behaviour.SKIPPED)
    passed = Verdict("gw", "responses.basic.text", MUST, Outcome.PASS)
    assert group([skipped, passed]) == []


def test_error_bodies_of_one_shape_are_one_defect_whatever_their_text_and_status() -> None:
    def envelope(status: int, body: str) -> Finding:
        return Finding(
            "error.envelope", MUST, f"a {status} answer must carry the OpenAI error envelope", 0, "body", "", body
        )

    verdicts = [
        _verdict("gw", "conversations.not_found", envelope(404, '{"detail":"Conversation \'conv_1\' not found."}')),
        _verdict("gw", "errors.unknown_route", envelope(405, '{"detail":"Method Not Allowed"}')),
        _verdict(
            "gw", "errors.request.type_input", envelope(400, "{\"error\":{\"message\":\"{'errors': [{'loc': ['body'")
        ),
        _verdict("gw", "errors.request.missing_model", envelope(400, '{"error":{"message":"bad","code":null}}')),
    ]
    titles = sorted(d.title.split(" (first:")[0] for d in group(verdicts))
    assert titles == [
        'HTTP 400 answers are not OpenAI error envelopes: {"error": {"message": "string", "code": "null"}}',
        'HTTP 400 answers are not OpenAI error envelopes: {"error": {"message": "string"}}',
        'HTTP 404/405 answers are not OpenAI error envelopes: {"detail": "string"}',
    ]


def test_a_fault_answered_with_the_right_status_in_the_wrong_envelope_is_the_envelope_defect() -> None:
    right_status = failure_key(
        "the rejection is not an OpenAI error envelope", 'HTTP 504 \'{"detail":"LLM provider timeout"}\'', fault=True
    )
    wrong_status = failure_key(
        "a hanging upstream was not answered as it must be", 'HTTP 500 \'{"detail":"boom"}\'', fault=True
    )
    assert right_status[:3] == ("probe", "answer", "HTTP 504")
    assert wrong_status == ("probe", "fault", "answered with HTTP 500", "")


def test_the_upstreams_own_broken_body_passed_on_is_the_faults_defect_not_a_schema_one() -> None:
    untyped = Finding("sse.type", MUST, "event without a string `type`", 0, "event 2", received='{"unexpected":true}')
    relayed_stream = _verdict("gw", "faults.wrong_shape_stream", untyped, check="an upstream stream of the wrong "
                              "shape did not end in response.failed")  # fmt: skip
    relayed_body = _verdict("gw", "faults.wrong_shape", _missing(0, "response", "id"),
                            check="an upstream answer of the wrong shape was not answered as it must be",
                            received="HTTP 200 '{\"unexpected\":true}'")  # fmt: skip
    # A gateway that translates the broken stream writes its own events: what is wrong with them is its own.
    translated = _verdict("gw", "faults.wrong_shape_stream", _missing(0, "response.created", "error"),
                          check="an upstream stream of the wrong shape was reported as response.completed")  # fmt: skip
    titles = sorted(d.title for d in group([relayed_stream, relayed_body, translated]))
    assert titles == [
        "an upstream stream of the wrong shape did not end in response.failed",
        "streamed response snapshots omit required field `error`",
        "upstream faults answered with HTTP 200, not as the fault requires: `wrong_shape`",
        "upstream faults reported as response.completed, not as the fault requires: `wrong_shape_stream`",
    ]
