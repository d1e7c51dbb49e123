"""The examples' checks, and one example run for real against the reference gateway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from examples.run_all import EXAMPLES, Example, matches

ROOT = Path(__file__).parent.parent.parent


def test_every_example_file_is_listed_and_exists() -> None:
    listed = {e.name for e in EXAMPLES}
    on_disk = {p.stem for p in (ROOT / "examples").glob("*.py") if not p.stem.startswith("_")} - {"run_all"}
    assert on_disk <= {name.split(".")[0] for name in listed}
    for example in EXAMPLES:
        name = example.name if "." in example.name else f"{example.name}.py"
        assert (ROOT / "examples" / name).exists(), name


def test_output_is_checked_line_by_line() -> None:
    example = Example("x", "m", r"^code word: maple$")
    assert matches(example, "setup\ncode word: maple\n")
    assert not matches(example, "code word: I do not know")


def test_the_basic_example_prints_ok_through_the_reference_gateway(gateway_url: str) -> None:
    env = {
        **os.environ,
        "OPENAI_BASE_URL": gateway_url,
        "GATEWAY_MASTER_KEY": "change-me",
        "OPENAI_MODEL": "gpt-5-mini",
    }
    done = subprocess.run(
        [sys.executable, "-m", "examples.basic"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
