"""The command line and the reports it writes."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from html import escape
from importlib import metadata
from pathlib import Path

import pytest

from harness.cli import main
from harness.defects import assign, group
from harness.model import Behaviour, Expect, Finding, Level, Outcome, Profile, Rejection, Verdict
from harness.probes import CATALOGUE, select
from harness.reports import exit_code, write_all
from harness.reports.console import Progress, print_header, print_summary
from harness.run_info import RunInfo
from harness.targets import Target, load_targets


def test_list_shows_every_probe_with_its_requirement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [p.id for p in CATALOGUE]
    assert all(r["requirement"] and r["level"] in ("MUST", "SHOULD", "MAY") for r in rows)


def test_selection_by_id_prefix_and_glob() -> None:
    assert [p.id for p in select(["responses.basic.text"])] == ["responses.basic.text"]
    assert {p.id for p in select(["errors.auth"])} == {"errors.auth.missing_key", "errors.auth.wrong_key"}
    assert all(p.id.startswith("responses.hosted.") for p in select(["responses.hosted.*"]))
    assert "agents.run" not in {p.id for p in select(["agents"], exclude=["agents.run"])}


def _verdicts() -> list[Verdict]:
    return [
        Verdict("t1", "responses.basic.text", Level.MUST, Outcome.PASS),
        Verdict(
            "t1",
            "responses.hosted.file_search",
            Level.MUST,
            Outcome.FAIL,
            message="dropped",
            check="dropped",
            requirement="never dropped",
            expected="a file_search_call",
            received="[message]",
            behaviour=Behaviour.BROKEN,
        ),
        Verdict(
            "t2",
            "responses.stream.sequence",
            Level.SHOULD,
            Outcome.NON_STRICT,
            message="gap",
            check="gap",
            behaviour=Behaviour.BROKEN,
        ),
        Verdict(
            "t2",
            "agents.compaction",
            Level.MUST,
            Outcome.SKIP,
            message="not an OpenAI model",
            behaviour=Behaviour.SKIPPED,
        ),
        Verdict(
            "t2",
            "responses.hosted.file_search",
            Level.MUST,
            Outcome.PASS_REJECTED,
            behaviour=Behaviour.REJECTED,
            rejection=Rejection(400, "file_search is not supported", "invalid_request_error", "unsupported", "tools"),
        ),
    ]


def test_reports_have_their_documented_shapes(tmp_path: Path) -> None:
    write_all(_verdicts(), tmp_path, matrix_out=tmp_path / "docs" / "matrix.md")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"] == {"pass": 1, "pass-rejected": 1, "non-strict": 1, "fail": 1, "skip": 1, "total": 5}
    assert {"target", "probe", "level", "outcome", "behaviour", "duration_ms", "message", "findings"} <= set(
        report["results"][0]
    )
    # The defects lead, MUST first: each probe's own failure is one, named on its result.
    assert [(d["title"], d["level"], d["targets"]) for d in report["defects"]] == [
        ("dropped", "MUST", ["t1"]),
        ("gap", "SHOULD", ["t2"]),
    ]
    assert [r["defects"] for r in report["results"]][1] == [report["defects"][0]["id"]]
    # What the run judged with: the installed SDKs (the locked ones, tests/test_lock.py).
    assert report["run"] == {
        "strictness": "openai",
        "openai": metadata.version("openai"),
        "openai_agents": metadata.version("openai-agents"),
        "sdk_schemas": None,
    }
    rejected = report["results"][-1]
    assert rejected["behaviour"] == "rejected" and rejected["rejection"]["code"] == "unsupported"
    suites = ET.parse(tmp_path / "junit.xml").getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["t1", "t2"] and suites[0].get("failures") == "1"
    assert suites[0].find("testcase[@name='responses.hosted.file_search']/failure") is not None
    properties = {p.get("name"): p.get("value") for p in suites[0].findall("properties/property")}
    assert properties == {"strictness": "openai", "openai": report["run"]["openai"],
                          "openai_agents": report["run"]["openai_agents"], "defects": "1"}  # fmt: skip
    assert "dropped" in (suites[0].findtext("system-out") or "")  # the suite's defects, after its cases
    matrix = (tmp_path / "matrix.md").read_text()
    assert "| `responses.hosted.file_search` | MUST | ❌ fail (broken · 1 defect) | 🚫 rejected cleanly |" in matrix
    assert (tmp_path / "docs" / "matrix.md").read_text() == matrix
    badge = json.loads((tmp_path / "badge.json").read_text())
    assert badge["schemaVersion"] == 1 and badge["message"] == "2/3 MUST"
    html = (tmp_path / "report.html").read_text()
    # Self-contained: its script is inline, nothing is loaded from elsewhere.
    assert "never dropped" in html and "<script" in html and "<script src" not in html


def test_exit_code_is_one_on_a_failure_and_three_when_nothing_ran() -> None:
    verdicts = _verdicts()
    assert exit_code(verdicts) == 1
    assert exit_code([v for v in verdicts if v.outcome is not Outcome.FAIL]) == 0
    assert exit_code([v for v in verdicts if v.outcome is Outcome.SKIP]) == 3
    assert exit_code([]) == 3


def _deviating() -> Verdict:
    """A probe whose feature works, failed only by the wire judge: two MUST findings listed and one elided."""
    findings = [
        Finding("schema.Response", Level.MUST, "Response does not match", 0, "$.output[1].action.sources", "", "null"),
        Finding("schema.Response", Level.MUST, "Response does not match", 0, "$.output[0].content[0]", "", "logprobs"),
        Finding("schema.Response", Level.MUST, "1 more schema.Response finding like the above", 0, elided=1),
    ]
    return Verdict(
        "t1", "agents.run", Level.MUST, Outcome.FAIL, message="wire: Response does not match", findings=findings
    )


def test_a_working_feature_with_wire_deviations_reads_works_in_every_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    verdict = _deviating()
    assert verdict.label == "works · 3 wire deviations"
    Progress(1, targets=["t1"], probes=["agents.run"])(verdict)
    assert "works · 3 wire deviations" in capsys.readouterr().out
    write_all([verdict], tmp_path)  # grouped into defects: the two listed findings are two distinct ones
    assert assign([verdict], group([verdict]))[0].label == "works · 2 defects"
    assert "| `agents.run` | MUST | ❌ fail (works · 2 defects) |" in (tmp_path / "matrix.md").read_text()
    assert "works · 2 defects" in (tmp_path / "report.html").read_text()
    failure = ET.parse(tmp_path / "junit.xml").getroot().find(".//failure")
    assert failure is not None and failure.get("message", "").startswith("works · 2 defects: wire:")
    (result,) = json.loads((tmp_path / "report.json").read_text())["results"]
    assert result["behaviour"] == "works" and result["outcome"] == "fail"
    assert [f["elided"] for f in result["findings"]] == [0, 0, 1]
    assert result["deviations"] == {"total": 3, "should": 0}


def _same_cause(n: int, target: str = "anthropic") -> list[Verdict]:
    body = '{"error": {"message": "createModelResponse is not supported by anthropic (request req_%s)", "type": "x"}}'
    return [
        Verdict(
            target,
            f"responses.p{i}",
            Level.MUST,
            Outcome.FAIL,
            message="unexpected HTTP 500 from the gateway",
            received=f"HTTP 500 {body % ('0123456789abcdef' + str(i) * 4)}",
            behaviour=Behaviour.BROKEN,
        )
        for i in range(n)
    ]


def test_the_same_failure_on_many_probes_is_one_defect_at_the_top_of_every_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    others = [Verdict("anthropic", f"agents.p{i}", Level.MUST, Outcome.PASS) for i in range(20)]
    verdicts = _same_cause(6) + others + _same_cause(1, "native") + [Verdict("native", "x", Level.MUST, Outcome.PASS)]
    # as the runner records a failed check
    verdicts = [
        dataclasses.replace(v, check=v.message, check_received=v.received) if v.message else v for v in verdicts
    ]
    text = "answers HTTP 500 'createModelResponse is not supported by anthropic (request <id>)'"
    write_all(verdicts, tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    (defect,) = report["defects"]  # one defect, on both targets that show it
    assert defect["title"] == text and defect["targets"] == ["anthropic", "native"]
    assert defect["reach"] == {"probes": 7, "occurrences": 7} and defect["level"] == "MUST"
    assert {r["probe"]: r["defects"] for r in report["results"]}["responses.p3"] == [defect["id"]]
    assert list(report) == ["run", "summary", "defects", "results"]
    matrix = (tmp_path / "matrix.md").read_text()
    assert matrix.count(text) == 1 and matrix.index(text) < matrix.index("## responses")
    assert "❌ fail (broken · 1 defect)" in matrix
    html = (tmp_path / "report.html").read_text()
    assert html.count(escape(text)) == 1 and html.index('id="defects"') < html.index('id="matrix"')
    print_summary(verdicts)
    out = capsys.readouterr().out
    assert out.count(text) == 1 and out.index(text) < out.index("target")
    assert f"{defect['id']} MUST   {text} · 7 probes  [anthropic, native]" in out


def test_console_columns_stay_aligned_and_should_findings_are_counted(capsys: pytest.CaptureFixture[str]) -> None:
    long_name = "a-gateway-with-a-very-long-route-name/claude-sonnet-4-20250514"
    should = Finding("stream.unknown_event", Level.SHOULD, "unknown event", 0)
    verdicts = [
        Verdict("short", "responses.basic.text", Level.MUST, Outcome.PASS),
        Verdict(long_name, "responses.basic.text", Level.MUST, Outcome.NON_STRICT, findings=[should, should]),
        Verdict(long_name, "agents.run", Level.MUST, Outcome.PASS),
    ]
    progress = Progress(3, targets=["short", long_name], probes=["responses.basic.text", "agents.run"])
    for verdict in verdicts:
        progress(verdict)
    print_summary(verdicts)
    lines = capsys.readouterr().out.splitlines()
    probe_columns = {line.index(v.probe) for line, v in zip(lines[:3], verdicts, strict=True)}
    assert len(probe_columns) == 1
    table = [line for line in lines if line.startswith(("target", "short", long_name))]
    assert len(table) == 3 and len({len(line) for line in table}) == 1
    assert lines[-1].endswith("wire findings: 0 MUST, 2 SHOULD")


def test_the_header_says_which_profile_was_assumed(capsys: pytest.CaptureFixture[str]) -> None:
    given = Target("given", "http://x/v1", "m", Profile.CHAT_TRANSLATED)
    assumed = Target("assumed-route", "http://x/v1", "m", Profile.NATIVE, profile_assumed=True)
    print_header([given, assumed], run=RunInfo("sdk", "3.63.0", "0.24.0", "openai 3.63.0 (derived, cached at X)"))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "judged with strictness sdk · openai 3.63.0 · openai-agents 0.24.0 · sdk schemas from openai 3.63.0 "
        "(derived, cached at X)"
    )
    assert "assuming --expect native" in out[2] and "assuming" not in out[1]
    (from_file,) = load_targets({"targets": [{"name": "gw", "base_url": "http://x/v1", "model": "m"}]})
    assert from_file.profile_assumed


def test_help_states_the_expect_default_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["probe", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: native" in text and "--allow-missing" in text
    assert "exit codes:" in text and "3 nothing was checked" in text


def test_targets_file_expands_models_and_applies_overrides() -> None:
    targets = load_targets(
        {
            "defaults": {"api_key_env": "KEY", "features": {"hosted": "rejected"}},
            "targets": [
                {
                    "name": "gw",
                    "base_url": "http://x/v1",
                    "profile": "chat-translated",
                    "models": ["a/one", "b/two"],
                    "features": {"hosted.file_search": "either"},
                    "exclude": ["transport", "responses.*.text", "errors.auth.*"],
                }
            ],
        }
    )
    assert [t.name for t in targets] == ["gw/one", "gw/two"]
    target = targets[0]
    assert target.profile is Profile.CHAT_TRANSLATED
    hosted = {p.id: target.expectation(p) for p in select(["responses.hosted"])}
    assert hosted["responses.hosted.file_search"] is Expect.EITHER
    assert hosted["responses.hosted.web_search"] is Expect.REJECTED
    # `exclude` takes what --probe takes: IDs, dotted prefixes and globs.
    excluded = {p.id for p in CATALOGUE if target.excluded(p)}
    assert {"transport.websocket", "responses.basic.text", "responses.stream.text", "errors.auth.wrong_key"} <= excluded
    assert excluded == {p.id for p in select(["transport", "responses.*.text", "errors.auth.*"])}


def test_probe_against_a_closed_port_fails_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "probe",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--model",
            "m",
            "--api-key",
            "k",
            "--probe",
            "responses.basic.text",
            "--report-dir",
            str(tmp_path),
        ]
    )
    assert code == 1
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["results"][0]["message"] == "the gateway could not be reached or timed out"
    assert report["results"][0]["behaviour"] == "broken"
    assert "assuming --expect native" in capsys.readouterr().out


def test_replay_over_an_empty_directory_fails_unless_missing_cassettes_are_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["probe", "--replay", "--cassette-dir", str(tmp_path / "empty"), "--probe", "responses.basic", "--quiet"]
    assert main([*args, "--report-dir", str(tmp_path / "strict")]) == 1
    results = json.loads((tmp_path / "strict" / "report.json").read_text())["results"]
    assert results and {r["outcome"] for r in results} == {"fail"}
    assert all(r["message"].startswith("no cassette at ") and r["message"].endswith("(replay)") for r in results)
    # Allowed to be missing, they are skipped; a run in which everything was skipped still is not a pass.
    assert main([*args, "--allow-missing", "--report-dir", str(tmp_path / "lenient")]) == 3
    results = json.loads((tmp_path / "lenient" / "report.json").read_text())["results"]
    assert {r["outcome"] for r in results} == {"skip"}
    assert not (tmp_path / "empty").exists()


def test_a_failure_is_keyed_by_the_error_it_answered_or_by_its_words() -> None:
    from harness.defects import failure_key

    assert failure_key("x", "HTTP 400 'no model gpt-9' (code model_not_found)") == (
        "probe",
        "answer",
        "HTTP 400",
        "no model gpt-9",
    )
    assert failure_key("x", "HTTP 502 'upstream timed out after 60000 ms'")[3] == "upstream timed out after <n> ms"
    # A 200 is not an error answer: the failure's own words key it.
    assert failure_key("the tool was dropped", "HTTP 200 {}") == ("probe", "check", "", "the tool was dropped")
