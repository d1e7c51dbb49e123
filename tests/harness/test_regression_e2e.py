"""A regression end to end, as a gateway's CI meets it: a baseline recorded on the reference gateway (through the
broken-gateway proxy, unbroken), expectations written from it; then the same probes against the same gateway broken
(tests/broken_gateway.py drops `instructions`): `diff` exits 1 naming the probe and its cause, and `--expectations`
flags the same regression."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.local import MASTER_KEY

pytestmark = pytest.mark.slow
PROBES = ("responses.basic.text", "responses.basic.instructions", "responses.basic.history")
MODEL = "groq/llama-3.3-70b-versatile"


def probe(root: str, breakage: str, report_dir: Path, *extra: str) -> int:
    argv = ["probe", "--base-url", f"{root}/{breakage}/v1", "--api-key", MASTER_KEY, "--model", MODEL]
    argv += ["--expect", "chat-translated", "--target-name", "my-gateway", "-j", "1", "--quiet"]
    argv += [arg for p in PROBES for arg in ("--probe", p)]
    return main([*argv, "--report-dir", str(report_dir), *extra])


def test_a_broken_gateway_is_a_regression_for_diff_and_for_the_expectations(
    broken_root: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = tmp_path / "expected.yaml"
    assert probe(broken_root, "unbroken", tmp_path / "base", "--write-expectations", str(expected)) == 0
    assert expected.read_text().count(": pass") == len(PROBES)

    capsys.readouterr()
    code = probe(broken_root, "drop-instructions", tmp_path / "new", "--expectations", str(expected))
    out = capsys.readouterr().out
    assert code == 1, out
    regressions = [line.strip() for line in out.splitlines() if line.strip().startswith("regression")]
    # The instructions dropped: the probe that asks for them fails, and every answer stops echoing them (SHOULD).
    assert regressions == [
        "regression  my-gateway responses.basic.instructions: expected pass, received fail: "
        "the instructions did not reach the model",
        "regression  my-gateway responses.basic.text: expected pass, received non-strict: wire (SHOULD): the "
        "response does not echo the requested instructions at $.instructions: None (echo.instructions, exchange 0)",
    ]
    compared = json.loads((tmp_path / "new" / "report.json").read_text())["expectations"]
    assert compared["counts"] == {"match": 1, "regression": 2, "unexpected-pass": 0, "new": 0, "not-run": 0}

    out_file = tmp_path / "diff.md"
    assert main(["diff", str(tmp_path / "base"), str(tmp_path / "new"), "--out", str(out_file)]) == 1
    text = out_file.read_text()
    assert "**2 regressions**" in text and "#### `my-gateway`" in text
    assert (
        "| `responses.basic.instructions` | pass | fail | the instructions did not reach the model (D-b09c02); "
        "D-c1ef49 `$.instructions`: `instructions` not echoed as asked (received None) |"
    ) in text
    assert text.endswith(
        "New defects:\n- `D-b09c02` the instructions did not reach the model\n"
        "- `D-c1ef49` `$.instructions`: `instructions` not echoed as asked (received None)\n"
    )
    assert main(["diff", str(tmp_path / "base"), str(tmp_path / "base")]) == 0
