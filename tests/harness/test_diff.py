"""`gateway-conformance diff BASE NEW` (harness/diff.py): per target the regressions with their cause, the fixes, the
defects that came or went and the probes added or removed; Markdown or JSON; exit 1 on a regression."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness import diff
from harness.cli import main


def _report(results: list[dict[str, Any]], defects: list[dict[str, Any]]) -> dict[str, Any]:
    return {"run": {}, "summary": {}, "defects": list(defects), "results": results}


def _r(target: str, probe: str, outcome: str, *, defects: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {"target": target, "probe": probe, "outcome": outcome, "defects": list(defects), **extra}


BASE = _report(
    [
        _r("gw", "responses.basic.text", "pass"),
        _r("gw", "responses.basic.instructions", "pass"),
        _r("gw", "responses.hosted.web_search", "fail", defects=("D-aaaaaa",)),
        _r("gw", "responses.stream.text", "non-strict"),
        _r("gw", "responses.old", "pass"),
        _r("other", "responses.basic.text", "pass"),
    ],
    [{"id": "D-aaaaaa", "title": "the web_search tool is dropped"}],
)
NEW = _report(
    [
        _r("gw", "responses.basic.text", "pass"),
        _r(
            "gw",
            "responses.basic.instructions",
            "fail",
            defects=("D-bbbbbb",),
            message="the model did not follow the instructions",
            causes=["`instructions` dropped"],
        ),
        _r("gw", "responses.hosted.web_search", "pass"),
        _r("gw", "responses.stream.text", "skip"),
        _r("gw", "responses.new", "pass"),
        _r("other", "responses.basic.text", "pass"),
    ],
    [{"id": "D-bbbbbb", "title": "`instructions` dropped"}],
)


def test_diff_finds_regressions_fixes_defects_and_probes_per_target() -> None:
    d = diff.diff(diff.parse(BASE, "base"), diff.parse(NEW, "new"))
    gw, other = d.targets
    assert other.empty and gw.target == "gw"
    assert [(c.probe, c.before, c.after) for c in gw.regressions] == [
        ("responses.basic.instructions", "pass", "fail"),
        ("responses.stream.text", "non-strict", "skip"),
    ]
    assert gw.regressions[0].cause == ("the model did not follow the instructions; `instructions` dropped (D-bbbbbb)")
    assert [c.probe for c in gw.fixes] == ["responses.hosted.web_search"]
    assert (gw.defects_new, gw.defects_gone) == (("D-bbbbbb",), ("D-aaaaaa",))
    assert (gw.probes_added, gw.probes_removed) == (("responses.new",), ("responses.old",))
    assert d.exit_code == 1


def test_the_markdown_reads_as_a_pull_request_comment() -> None:
    text = diff.markdown(diff.diff(diff.parse(BASE, "base.json"), diff.parse(NEW, "new.json")))
    assert "**2 regressions**" in text
    assert "| `responses.basic.instructions` | pass | fail | the model did not follow the instructions;" in text
    assert "Fixed: `responses.hosted.web_search` (fail → pass)" in text
    assert "New defects:\n- `D-bbbbbb` `instructions` dropped" in text
    assert "Defects gone:\n- `D-aaaaaa` the web_search tool is dropped" in text
    assert "Probes added: `responses.new`" in text and "Probes removed: `responses.old`" in text
    assert "#### `other`" not in text  # nothing changed there


def test_the_cli_reads_directories_writes_json_and_exits_1_on_a_regression(tmp_path: Path) -> None:
    for name, body in (("base", BASE), ("new", NEW)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.json").write_text(json.dumps(body))
    out = tmp_path / "diff.json"
    assert main(["diff", str(tmp_path / "base"), str(tmp_path / "new"), "--format", "json", "--out", str(out)]) == 1
    body = json.loads(out.read_text())
    assert body["regressions"] == 2
    assert body["targets"][0]["defects_new"] == [{"id": "D-bbbbbb", "title": "`instructions` dropped"}]
    # The same run against itself: nothing changed, exit 0.
    same = str(tmp_path / "new" / "report.json")
    assert main(["diff", same, same]) == 0


def test_an_unreadable_report_is_a_usage_error_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.json").write_text('{"results": 3}')
    assert main(["diff", str(tmp_path / "x.json"), str(tmp_path / "x.json")]) == 2
    assert f"{tmp_path / 'x.json'}: not a report.json" in capsys.readouterr().err
    assert main(["diff", str(tmp_path / "nowhere"), str(tmp_path / "x.json")]) == 2
    assert "nowhere: cannot read the report" in capsys.readouterr().err
