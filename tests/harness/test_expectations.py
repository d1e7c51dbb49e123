"""Expectations (harness/expectations.py): the peers' expected.yaml read unchanged, written from a run with its
notes carried over, and a run compared with them; the CLI's exit codes with `--expectations`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import expectations
from harness.cli import main
from harness.expectations import ExpectationsError, Expected, Status

ROOT = Path(__file__).resolve().parent.parent.parent
PEERS = ("litellm", "portkey", "llamastack", "otari")


def _result(probe: str, outcome: str, *, target: str = "gw", defects: tuple[str, ...] = (), message: str = "") -> Any:
    return {"target": target, "probe": probe, "outcome": outcome, "defects": list(defects), "message": message}


@pytest.mark.parametrize("peer", PEERS)
def test_the_peers_expected_files_load_unchanged_and_round_trip(peer: str) -> None:
    path = ROOT / "peers" / peer / "expected.yaml"
    raw = yaml.safe_load(path.read_text())
    loaded = expectations.load(path)
    assert loaded.peer == raw["peer"] and loaded.version == str(raw["version"])
    for target, probes in raw["targets"].items():
        for probe, entry in probes.items():
            got = loaded.get(target, probe)
            assert got is not None
            assert got.outcome == (entry["outcome"] if isinstance(entry, dict) else entry)
            if isinstance(entry, dict):
                assert dict(got.notes) == {k: v for k, v in entry.items() if k not in ("outcome", "defects")}
    again = expectations.parse(yaml.safe_load(loaded.dump()), "again")
    assert again.targets == loaded.targets and again.recorded == loaded.recorded


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("targets: {gw: {responses.basic.text: passed}}", "gw responses.basic.text: outcome 'passed' is none of"),
        ("targets: {gw: {p: {outcome: fail, defect_: x}}}", "gw p: unknown key 'defect_'"),
        ("targets: {gw: {p: {outcome: fail, defects: [X-1]}}}", "gw p: `defects` must be a list of defect ids"),
        ("targets: {gw: [p]}", "target gw: must map probe ids"),
        ("peers: x\ntargets: {}", "unknown top-level key 'peers'"),
        ("targets: [", "not valid YAML"),
    ],
)
def test_a_bad_file_is_refused_naming_the_file_and_the_place(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(text)
    with pytest.raises(ExpectationsError) as error:
        expectations.load(path)
    assert str(error.value).startswith(str(path)) and words in str(error.value)


def test_compare_tells_every_kind_of_difference() -> None:
    known = expectations.parse(
        {
            "targets": {
                "gw": {
                    "same": "pass",
                    "known-fail": {"outcome": "fail", "defects": ["D-aaaaaa"], "defect": "drops tools"},
                    "regressed": "pass",
                    "worse-defect": {"outcome": "fail", "defects": ["D-aaaaaa"]},
                    "fixed": "fail",
                    "gone": "pass",
                    "skipped-now": "pass-rejected",
                }
            }
        }
    )
    results = [
        _result("same", "pass"),
        _result("known-fail", "fail", defects=("D-aaaaaa",)),
        _result("regressed", "fail", message="the tool was dropped"),
        _result("worse-defect", "fail", defects=("D-aaaaaa", "D-bbbbbb")),
        _result("fixed", "pass"),
        _result("skipped-now", "skip"),
        _result("brand-new", "fail", message="boom"),
    ]
    compared = expectations.compare(known, results)
    status = {row.probe: row.status for row in compared.rows}
    assert status == {
        "same": Status.MATCH,
        "known-fail": Status.MATCH,
        "regressed": Status.REGRESSION,
        "worse-defect": Status.REGRESSION,
        "fixed": Status.UNEXPECTED_PASS,
        "skipped-now": Status.REGRESSION,
        "brand-new": Status.NEW,
        "gone": Status.NOT_RUN,
    }
    assert not compared.ok
    text = "\n".join(compared.lines())
    assert "regression  gw regressed: expected pass, received fail: the tool was dropped" in text
    assert "(new defects D-bbbbbb)" in text
    assert "now passes  gw fixed: expected fail, received pass" in text and "update the expectations" in text
    assert {row.probe for row in compared.failures} == {"regressed", "worse-defect", "skipped-now", "brand-new"}


def test_an_unexpected_pass_fails_only_when_strict() -> None:
    known = expectations.parse({"targets": {"gw": {"p": "fail", "q": {"outcome": "fail", "defects": ["D-aaaaaa"]}}}})
    results = [_result("p", "pass"), _result("q", "fail")]  # q: its defect went
    assert expectations.compare(known, results).ok
    strict = expectations.compare(known, results, strict=True)
    assert not strict.ok and {r.status for r in strict.failures} == {Status.UNEXPECTED_PASS}
    assert strict.failures[1].defects_gone == ("D-aaaaaa",)


def test_expectations_outside_the_run_s_scope_are_not_listed_as_not_run() -> None:
    known = expectations.parse({"targets": {"gw": {"p": "pass", "q": "pass"}, "other": {"p": "pass"}}})
    compared = expectations.compare(known, [_result("p", "pass")], in_scope=lambda t, p: t == "gw" and p == "p")
    assert [row.status for row in compared.rows] == [Status.MATCH]


def test_writing_from_a_run_keeps_the_notes_where_the_outcome_held() -> None:
    previous = expectations.parse(
        {
            "peer": "mine",
            "targets": {
                "gw": {
                    "kept": {"outcome": "fail", "defect": "drops the tool", "note": "upstream bug 12"},
                    "changed": {"outcome": "fail", "false_positive": "the emulator's fault"},
                }
            },
        }
    )
    report = {"results": [_result("kept", "fail", defects=("D-123456",)), _result("changed", "pass")]}
    written = expectations.from_report(report, previous)
    assert written.peer == "mine"
    assert written.get("gw", "kept") == Expected(
        "fail", ("D-123456",), (("defect", "drops the tool"), ("note", "upstream bug 12"))
    )
    assert written.get("gw", "changed") == Expected("pass")
    dumped = yaml.safe_load(written.dump())
    assert dumped["targets"]["gw"]["changed"] == "pass"
    assert dumped["targets"]["gw"]["kept"]["defects"] == ["D-123456"]


# Two of the reference gateway's routes, whose committed cassettes the runs below replay.
TARGETS = """
targets:
  - {name: reference-native, model: openai/gpt-5-mini, profile: native}
  - {name: reference-groq, model: groq/llama-3.3-70b-versatile, profile: chat-translated}
"""


def _replay(tmp_path: Path, *extra: str) -> int:
    (tmp_path / "targets.yaml").write_text(TARGETS)
    argv = ["probe", "--targets", str(tmp_path / "targets.yaml"), "--replay", "--cassette-dir", str(ROOT / "cassettes")]
    argv += ["--probe", "responses.basic.text", "-j", "1", "--quiet", "--report-dir", str(tmp_path / "r"), *extra]
    return main(argv)


def test_the_cli_writes_then_checks_expectations_and_exits_1_on_a_regression(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exp = tmp_path / "exp.yaml"
    assert _replay(tmp_path, "--write-expectations", str(exp)) == 0
    assert expectations.load(exp).get("reference-groq", "responses.basic.text") == Expected("pass")
    assert _replay(tmp_path, "--expectations", str(exp), "--strict-expectations") == 0
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["expectations"]["ok"] and report["expectations"]["counts"]["match"] == 2

    # The same run with its cassettes gone: every probe fails ("no cassette"), a regression from the expected pass.
    capsys.readouterr()
    assert _replay(tmp_path, "--expectations", str(exp), "--cassette-dir", str(tmp_path / "none")) == 1
    out = capsys.readouterr().out
    assert "regression  reference-native responses.basic.text: expected pass, received fail: no cassette at" in out
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["expectations"]["counts"]["regression"] == 2
    assert {d["probe"] for d in report["expectations"]["differences"]} == {"responses.basic.text"}


def test_an_expected_fail_that_now_passes_exits_1_only_with_strict(tmp_path: Path) -> None:
    exp = tmp_path / "exp.yaml"
    exp.write_text("targets: {reference-native: {responses.basic.text: fail}}\n")
    assert _replay(tmp_path, "--expectations", str(exp)) == 0
    assert _replay(tmp_path, "--expectations", str(exp), "--strict-expectations") == 1


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--strict-expectations"], "--strict-expectations only applies with --expectations"),
        (["--expectations", "missing.yaml"], "missing.yaml: cannot read the expectations file"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    assert _replay(tmp_path, *argv) == 2
    assert words in capsys.readouterr().err
