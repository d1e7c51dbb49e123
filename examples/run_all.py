"""Run every example against the reference gateway (started here, with its emulated upstreams) and check output.

`python -m examples.run_all [name ...]` (or `tox -e examples`). Exit code 0 iff every example printed what it should.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.local import MASTER_KEY, reference_setup

HERE = Path(__file__).resolve().parent
NATIVE, GROQ = "openai/gpt-5-mini", "groq/llama-3.3-70b-versatile"
ANTHROPIC, GEMINI = "anthropic/claude-sonnet-4-20250514", "gemini/gemini-2.0-flash"


@dataclass(frozen=True)
class Example:
    name: str
    model: str
    expect: str  # a regular expression one printed line must match


EXAMPLES = [
    Example("basic", "gpt-5-mini", r"^ok$"),
    Example("namespaced_models", ANTHROPIC, r"^ok$"),
    Example("streaming", GROQ, r"^final: streaming works through the gateway$"),
    Example("function_tools", GEMINI, r"Sunny in Paris"),
    Example("streamed_tools", ANTHROPIC, r"^item: tool_call_output_item$"),
    Example("handoffs", GROQ, r"^answered by: Weather agent$"),
    Example("agents_as_tools", NATIVE, r"tool_call_output_item"),
    Example("sqlite_session", ANTHROPIC, r"^code word: maple$"),
    Example("conversations_session", NATIVE, r"^code word: cobalt$"),
    Example("structured_output", GEMINI, r'^City: \{"city":"sample","population":1\}$'),
    Example(
        "hosted_tool_rejection", ANTHROPIC, r'^rejected \(400\): responses tool type "web_search" is only supported'
    ),
    Example("curl_check.sh", NATIVE, r"^ok$"),
    Example("js/basic.mjs", NATIVE, r"^ok$"),
]


def npm_install() -> bool:
    if not shutil.which("npm"):
        return False
    argv = ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        return subprocess.run(argv, cwd=HERE / "js", capture_output=True, timeout=240).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def command(example: Example) -> list[str] | str:
    """argv for the example, or a reason it cannot run here."""
    if example.name.endswith(".sh"):
        return ["bash", str(HERE / example.name)] if shutil.which("curl") else "curl is not installed"
    if example.name.endswith(".mjs"):
        if not shutil.which("node"):
            return "node is not installed"
        if not (HERE / "js" / "node_modules" / "@openai" / "agents").exists() and not npm_install():
            return "the JavaScript Agents SDK could not be installed (npm install in examples/js failed)"
        return ["node", str(HERE / example.name)]
    return [sys.executable, "-m", f"examples.{example.name}"]


def matches(example: Example, output: str) -> bool:
    return any(re.search(example.expect, line) for line in output.splitlines())


def run(example: Example, base_url: str) -> tuple[str, str]:
    argv = command(example)
    if isinstance(argv, str):
        return "skip", argv
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "GATEWAY_MASTER_KEY": MASTER_KEY, "OPENAI_MODEL": example.model}
    done = subprocess.run(argv, env=env, cwd=HERE.parent, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    if done.returncode == 0 and matches(example, done.stdout):
        return "pass", done.stdout.strip().splitlines()[-1]
    return "fail", f"exit {done.returncode}, expected a line matching {example.expect!r}, got:\n{output[-1500:]}"


def main(argv: list[str] | None = None) -> int:
    names = set(argv if argv is not None else sys.argv[1:])
    chosen = [e for e in EXAMPLES if not names or e.name in names or e.name.split(".")[0] in names]
    failed = 0
    with reference_setup() as base_url:
        print(f"reference gateway at {base_url}")
        for example in chosen:
            outcome, detail = run(example, base_url)
            failed += outcome == "fail"
            print(f"{outcome.upper():<5} {example.name:<24} {example.model:<38} {detail}", flush=True)
    print(f"{len(chosen) - failed} of {len(chosen)} examples ran as expected (skips count as expected)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
