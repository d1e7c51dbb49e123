"""Run every example against the reference gateway (started here, with its emulated upstreams) and check output.

`python -m examples.run_all [name ...]` (or `tox -e examples -- [name ...]`). Exit code 0 iff every chosen example
exited 0 and printed a line matching its expected pattern; an example that cannot run here (no curl, no node, the
JavaScript SDK not installable) is reported as skipped with the reason.
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
EXAMPLE_TIMEOUT = 90.0


@dataclass(frozen=True)
class Example:
    # A module under examples/ (`basic`), or a file with its suffix (`curl_check.sh`, `js/basic.mjs`); a script may
    # be listed more than once, on different routes.
    name: str
    model: str  # OPENAI_MODEL for the run: the gateway route it exercises
    expect: str  # a regular expression some printed line (stdout) must match


@dataclass(frozen=True)
class Outcome:
    status: str  # "pass", "fail" or "skip"
    detail: str  # pass: the last line printed; skip: the reason; fail: what was expected and what came out


# Each example on the route it is meant to show; the patterns are what the emulated upstreams' scripted model
# answers (docs/ARCHITECTURE.md) and what a real model told "Reply with exactly ok." would print too.
EXAMPLES = [
    Example("basic", NATIVE, r"^ok$"),
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
    Example("hosted_tool_rejection", NATIVE, r"^accepted: 1 web search call"),  # the other side: provider decides
    Example("websocket_session", GROQ, r"^code word: quince$"),
    Example("websocket_session", NATIVE, r"^code word: quince$"),
    Example("curl_check.sh", NATIVE, r"^ok$"),
    Example("js/basic.mjs", NATIVE, r"^ok$"),
]


def select(names: list[str]) -> list[Example]:
    """The examples named (by full name or without suffix), all of them for none; ValueError for an unknown name."""
    if not names:
        return list(EXAMPLES)
    known = {alias: e for e in EXAMPLES for alias in (e.name, e.name.split(".")[0])}
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(dict.fromkeys(e.name for e in EXAMPLES))
        raise ValueError(f"unknown example(s) {', '.join(unknown)}; known: {listed}")
    return [e for e in EXAMPLES if e.name in names or e.name.split(".")[0] in names]


def judge(example: Example, returncode: int, stdout: str, stderr: str = "") -> Outcome:
    """Pass iff the example exited 0 and one line it printed matches its pattern."""
    lines = stdout.strip().splitlines()
    if returncode == 0 and any(re.search(example.expect, line) for line in lines):
        return Outcome("pass", lines[-1])
    tail = (stdout + stderr).strip()[-1500:]
    return Outcome("fail", f"exit {returncode}, expected a line matching {example.expect!r}; it printed:\n{tail}")


def install_js_sdk() -> str | None:
    """Install examples/js's dependencies (into its git-ignored node_modules); the reason it failed, or None."""
    if not shutil.which("npm"):
        return "npm is not installed"
    verb = "ci" if (HERE / "js" / "package-lock.json").exists() else "install"
    argv = ["npm", verb, "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        done = subprocess.run(argv, cwd=HERE / "js", capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        return f"npm {verb} in examples/js took over 240 s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"npm {verb} in examples/js failed: {last}"
    return None


def command(example: Example) -> list[str] | str:
    """argv for the example, or the reason it cannot run here."""
    if example.name.endswith(".sh"):
        return ["bash", str(HERE / example.name)] if shutil.which("curl") else "curl is not installed"
    if example.name.endswith(".mjs"):
        if not shutil.which("node"):
            return "node is not installed"
        if not (HERE / "js" / "node_modules" / "@openai" / "agents").exists():
            reason = install_js_sdk()
            if reason:
                return f"the JavaScript Agents SDK could not be installed ({reason})"
        return ["node", str(HERE / example.name)]
    return [sys.executable, "-m", f"examples.{example.name}"]


def run(example: Example, base_url: str) -> Outcome:
    argv = command(example)
    if isinstance(argv, str):
        return Outcome("skip", argv)
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "GATEWAY_MASTER_KEY": MASTER_KEY, "OPENAI_MODEL": example.model}
    try:
        done = subprocess.run(
            argv, env=env, cwd=HERE.parent, capture_output=True, text=True, timeout=EXAMPLE_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as exc:
        printed = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        return Outcome("fail", f"no exit within {EXAMPLE_TIMEOUT:.0f} s; it printed:\n{printed[-1500:]}")
    return judge(example, done.returncode, done.stdout, done.stderr)


def main(argv: list[str] | None = None) -> int:
    try:
        chosen = select(sys.argv[1:] if argv is None else argv)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    results: list[tuple[Example, Outcome]] = []
    with reference_setup() as base_url:
        print(f"reference gateway at {base_url}", flush=True)
        for example in chosen:
            results.append((example, run(example, base_url)))
            outcome = results[-1][1]
            print(f"  {outcome.status:<4}  {example.name} ({example.model})", flush=True)  # progress while the rest run
    print()
    print(f"{'example':<24} {'model':<36} {'outcome':<8} detail")
    for example, outcome in results:
        print(f"{example.name:<24} {example.model:<36} {outcome.status:<8} {outcome.detail.splitlines()[0]}")
    failures = [(e, o) for e, o in results if o.status == "fail"]
    for example, outcome in failures:
        print(f"\n--- {example.name} ({example.model}) failed: {outcome.detail}")
    skipped = sum(o.status == "skip" for _, o in results)
    print(f"\n{len(results) - len(failures) - skipped} passed, {len(failures)} failed, {skipped} skipped")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
