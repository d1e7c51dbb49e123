"""The examples' checks (on made-up output), and one example run for real against the reference gateway."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from examples import run_all
from examples.run_all import EXAMPLES, Example, judge, main, select

ROOT = Path(__file__).parent.parent.parent
CODE_WORD = Example("sqlite_session", "m", r"^code word: maple$")


def test_every_example_on_disk_is_listed_and_every_listed_one_exists() -> None:
    listed = {e.name.split(".")[0] for e in EXAMPLES}
    on_disk = {p.stem for p in (ROOT / "examples").glob("*.py") if not p.stem.startswith("_")} - {"run_all"}
    assert on_disk <= listed
    for example in EXAMPLES:
        name = example.name if "." in example.name else f"{example.name}.py"
        assert (ROOT / "examples" / name).is_file(), name


def test_an_example_passes_when_one_printed_line_matches_and_it_exited_zero() -> None:
    outcome = judge(CODE_WORD, 0, "setup\ncode word: maple\n")
    assert outcome.status == "pass"
    assert outcome.detail == "code word: maple"


def test_a_line_that_only_contains_the_expected_text_does_not_match_an_anchored_pattern() -> None:
    assert judge(CODE_WORD, 0, "code word: I do not know\n").status == "fail"
    assert judge(CODE_WORD, 0, "the code word: maple, I think\n").status == "fail"


def test_a_non_zero_exit_fails_even_with_the_expected_line_and_shows_stderr() -> None:
    outcome = judge(CODE_WORD, 1, "code word: maple\n", "Traceback ...\nBadRequestError: 400")
    assert outcome.status == "fail"
    assert "exit 1" in outcome.detail
    assert "BadRequestError: 400" in outcome.detail


def test_examples_are_selected_by_name_with_or_without_suffix() -> None:
    assert [e.name for e in select(["curl_check", "basic"])] == ["basic", "curl_check.sh"]
    assert [e.name for e in select(["js/basic.mjs"])] == ["js/basic.mjs"]
    assert len(select([])) == len(EXAMPLES)


def test_an_unknown_example_name_exits_2_before_starting_anything(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no_such_example"]) == 2
    assert "unknown example(s) no_such_example" in capsys.readouterr().err


@pytest.mark.slow
def test_the_basic_example_prints_ok_through_the_reference_gateway(gateway_url: str) -> None:
    env = {**os.environ, "OPENAI_BASE_URL": gateway_url, "GATEWAY_MASTER_KEY": "change-me"}
    env.pop("OPENAI_MODEL", None)  # the script's own default model
    done = subprocess.run(
        [sys.executable, "-m", "examples.basic"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_js_example_is_skipped_with_the_reason_when_npm_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_all, "HERE", ROOT / "tests" / "no-such-examples-dir")
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "npm" else f"/usr/bin/{name}")
    reason = run_all.command(Example("js/basic.mjs", "m", r"^ok$"))
    assert reason == "the JavaScript Agents SDK could not be installed (npm is not installed)"


def test_a_failing_npm_install_becomes_a_skip_reason_naming_npm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    (tmp_path / "js").mkdir()
    # A package.json npm cannot parse: npm fails at once, without asking the registry.
    (tmp_path / "js" / "package.json").write_text('{"name": "x", "dependencies": ')
    monkeypatch.setattr(run_all, "HERE", tmp_path)
    reason = run_all.command(Example("js/basic.mjs", "m", r"^ok$"))
    assert isinstance(reason, str)
    assert reason.startswith("the JavaScript Agents SDK could not be installed (npm install in examples/js failed")
