"""The figures README.md and docs/ state about the code (probe and route counts) are the code's (scripts/facts.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "facts.py"


def test_every_marked_figure_is_what_the_code_says() -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, f"{done.stderr}\nrefresh with: python scripts/facts.py"


def test_a_stale_figure_is_named_and_an_unknown_fact_refused() -> None:
    spec = importlib.util.spec_from_file_location("facts", SCRIPT)
    assert spec and spec.loader
    facts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(facts)
    text = "all <!-- fact:probes -->83<!-- /fact --> probes"
    assert facts.rewrite(text, {"probes": "94"}) == "all <!-- fact:probes -->94<!-- /fact --> probes"
    readme = (ROOT / "README.md").read_text()
    assert len(facts.SPAN.findall(readme)) >= 2  # the README's counts are marked, so this test covers them
    try:
        facts.rewrite("<!-- fact:nope -->1<!-- /fact -->", {"probes": "94"})
    except KeyError as exc:
        assert "unknown fact 'nope'" in str(exc)
    else:
        raise AssertionError("an unknown fact was accepted")
