"""The repository's GitHub Action (action.yml) run locally the way the runner runs a composite action: each `run:`
step as `bash --noprofile --norc -eo pipefail` in the workspace, `${{ ... }}` substituted (inputs with their
defaults, `github.action_path`, earlier steps' outputs), `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` files, `if:
always()` steps run after a failure, the others skipped. The `uses:` steps (actions/setup-python,
actions/upload-artifact) need GitHub's runner and are not run: this test checks that they are pinned to a major
version and where they stand. `pip install` is a stand-in on PATH that records its arguments (the harness is
already installed here, and there is no network), against a gateway that passes and one that regresses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.local import MASTER_KEY

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent.parent
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
PROBES = "--probe responses.basic.text --probe responses.basic.instructions --probe responses.basic.history -j 1"
EXPECTED = """targets:
  my-gateway:
    responses.basic.text: pass
    responses.basic.instructions: pass
    responses.basic.history: pass
"""


@dataclass
class Run:
    ran: list[tuple[str, int]] = field(default_factory=list)  # (step, exit status) of each step run
    summary: str = ""
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)  # step id -> its outputs
    logs: str = ""

    @property
    def failed(self) -> bool:
        return any(code for _, code in self.ran)


def _outputs(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as the runner reads GITHUB_OUTPUT."""
    out, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            out[name] = "\n".join(iter(lambda: next(lines), delimiter))
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
    return out


def _substitute(text: str, inputs: Mapping[str, str], outputs: Mapping[str, Mapping[str, str]]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression == "github.action_path":
            return str(ROOT)
        if m := re.fullmatch(r"inputs\.([\w-]+)", expression):
            return inputs[m.group(1)]
        if m := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression):
            return outputs.get(m.group(1), {}).get(m.group(2), "")
        raise AssertionError(f"action.yml: an expression this runner does not know: {expression}")

    return EXPRESSION.sub(value, text)


def run_action(workspace: Path, given: Mapping[str, str], env: Mapping[str, str]) -> Run:
    unknown = set(given) - set(ACTION["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()} | dict(given)
    shims = workspace.parent / "shims"
    shims.mkdir(exist_ok=True)
    (shims / "pip").write_text(f'#!/bin/sh\necho "$@" >> "{workspace.parent}/pip.log"\n')
    (shims / "pip").chmod(0o755)
    base = {
        **os.environ,
        "PATH": f"{shims}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_TEMP": str(workspace.parent),
        **env,
    }
    run = Run()
    for index, step in enumerate(STEPS):
        name = step.get("name") or step.get("uses", "")
        condition = step.get("if")
        assert condition in (None, "always()"), f"{name}: a condition this runner does not know: {condition}"
        if "uses" in step or (run.failed and condition != "always()"):
            continue
        output = workspace.parent / f"output-{index}"
        summary = workspace.parent / f"summary-{index}"
        output.write_text("")
        summary.write_text("")
        step_env = {k: _substitute(str(v), inputs, run.outputs) for k, v in (step.get("env") or {}).items()}
        script = workspace.parent / f"step-{index}.sh"
        script.write_text(_substitute(step["run"], inputs, run.outputs))
        assert step["shell"] == "bash"
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env={**base, **step_env, "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)},
            capture_output=True,
            text=True,
            timeout=300,
        )
        run.ran.append((name, done.returncode))
        run.logs += f"--- {name}: exit {done.returncode}\n{done.stdout}{done.stderr}"
        run.summary += summary.read_text()
        if "id" in step:
            run.outputs[step["id"]] = _outputs(output.read_text())
    return run


def test_the_uses_steps_are_pinned_and_the_outcome_comes_after_the_upload() -> None:
    uses = [s["uses"] for s in STEPS if "uses" in s]
    assert uses == ["actions/setup-python@v5", "actions/upload-artifact@v4"]
    names = [s.get("name") or s["uses"] for s in STEPS]
    upload = next(s for s in STEPS if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "${{ inputs.report-dir }}"
    assert names.index("actions/upload-artifact@v4") < names.index("Outcome") == len(names) - 1


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "expected.yaml").write_text(EXPECTED)
    return tmp_path / "ws"


def _inputs(root: str, breakage: str) -> dict[str, str]:
    return {
        "base-url": f"{root}/{breakage}/v1",
        "model": "groq/llama-3.3-70b-versatile",
        "expect": "chat-translated",
        "target-name": "my-gateway",
        "api-key-env": "MY_GATEWAY_KEY",
        "expectations": "expected.yaml",
        "args": PROBES,
    }


def test_the_action_passes_on_a_gateway_that_meets_its_expectations(broken_root: str, workspace: Path) -> None:
    run = run_action(workspace, _inputs(broken_root, "unbroken"), {"MY_GATEWAY_KEY": MASTER_KEY})
    assert [code for _, code in run.ran] == [0, 0, 0, 0], run.logs
    assert (workspace.parent / "pip.log").read_text().split()[-1] == str(ROOT)  # the action's own path
    assert run.outputs["probe"]["exit-code"] == "0"
    assert "| `my-gateway` | 3 | 0 | 0 | 0 | 0 |" in run.summary
    assert "(`expected.yaml`): ✅ every verdict as expected: 3 match, 0 regressions" in run.summary
    assert (workspace / "conformance-report" / "report.json").exists()


def test_the_action_fails_the_job_on_a_regression_and_says_why(broken_root: str, workspace: Path) -> None:
    run = run_action(workspace, _inputs(broken_root, "drop-instructions"), {"MY_GATEWAY_KEY": MASTER_KEY})
    assert run.ran == [("Install the harness", 0), ("Probe the gateway", 0), ("Step summary", 0), ("Outcome", 1)]
    assert run.outputs["probe"]["exit-code"] == "1"
    assert "::error::gateway-conformance probe exited 1" in run.logs
    assert "❌ **not as expected**: 1 match, 2 regressions" in run.summary
    assert (
        "| `my-gateway` `responses.basic.instructions` | pass | fail | the instructions did not reach the model |"
        in run.summary
    )
    assert "- `D-b09c02` MUST the instructions did not reach the model · 1 probe" in run.summary
    print(run.summary)  # shown with -s: the step summary README quotes


def test_a_usage_error_fails_the_job_with_the_summary_saying_no_report_was_written(
    broken_root: str, workspace: Path
) -> None:
    given = {**_inputs(broken_root, "unbroken"), "expectations": "missing.yaml"}
    run = run_action(workspace, given, {"MY_GATEWAY_KEY": MASTER_KEY})
    assert run.ran[-1] == ("Outcome", 2)
    assert "gateway-conformance wrote no report (exit code 2)" in run.summary
