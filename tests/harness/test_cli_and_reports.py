"""The command line and the reports it writes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.cli import main
from harness.model import Expect, Level, Outcome, Profile, Verdict
from harness.probes import CATALOGUE, select
from harness.reports import exit_code, write_all
from harness.targets import load_targets


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
            requirement="never dropped",
            expected="a file_search_call",
            received="[message]",
        ),
        Verdict("t2", "responses.stream.sequence", Level.SHOULD, Outcome.NON_STRICT, message="gap"),
        Verdict("t2", "agents.compaction", Level.MUST, Outcome.SKIP, message="not an OpenAI model"),
        Verdict("t2", "responses.hosted.file_search", Level.MUST, Outcome.PASS_REJECTED),
    ]


def test_reports_have_their_documented_shapes(tmp_path: Path) -> None:
    write_all(_verdicts(), tmp_path, matrix_out=tmp_path / "docs" / "matrix.md")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"] == {"pass": 1, "pass-rejected": 1, "non-strict": 1, "fail": 1, "skip": 1, "total": 5}
    assert {"target", "probe", "level", "outcome", "duration_ms", "message"} <= set(report["results"][0])
    suites = ET.parse(tmp_path / "junit.xml").getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == ["t1", "t2"] and suites[0].get("failures") == "1"
    assert suites[0].find("testcase[@name='responses.hosted.file_search']/failure") is not None
    matrix = (tmp_path / "matrix.md").read_text()
    assert "| `responses.hosted.file_search` | MUST | ❌ fail | 🚫 rejected cleanly |" in matrix
    assert (tmp_path / "docs" / "matrix.md").read_text() == matrix
    badge = json.loads((tmp_path / "badge.json").read_text())
    assert badge["schemaVersion"] == 1 and badge["message"] == "2/3 MUST"
    html = (tmp_path / "report.html").read_text()
    assert "never dropped" in html and "<script" not in html


def test_exit_code_is_zero_iff_no_must_probe_failed() -> None:
    verdicts = _verdicts()
    assert exit_code(verdicts) == 1
    assert exit_code([v for v in verdicts if v.outcome is not Outcome.FAIL]) == 0


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
                    "exclude": ["transport"],
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
    assert target.excluded(next(p for p in CATALOGUE if p.id == "transport.websocket"))


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
