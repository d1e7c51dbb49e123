"""The figures README.md and docs/ state about the code, written from the code itself.

Usage: python scripts/facts.py [--check]

A fact stands in the text between `<!-- fact:NAME -->` and `<!-- /fact -->` (the markers do not render). Without
`--check` every marked span is rewritten from the code; with `--check` (tests/test_facts.py) the files are left
alone and every span that differs is named, with exit 1. A figure measured rather than counted (docs/performance.md)
is written by `tox -e bench`, not here.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ("README.md", "docs/ARCHITECTURE.md", "docs/real-model.md")
SPAN = re.compile(r"<!-- fact:(?P<name>[a-z_]+) -->(?P<value>.*?)<!-- /fact -->", re.S)


def _probes() -> str:
    from harness.probes import CATALOGUE

    return str(len(CATALOGUE))


def _emulator_probes() -> str:
    from harness.probes import CATALOGUE

    return str(sum(p.needs_emulator for p in CATALOGUE))


def _model_probes() -> str:
    """Probes whose check needs the model to follow the prompt ([model]; the [emulator] ones apart)."""
    from harness.model_limits import model_dependent
    from harness.probes import CATALOGUE

    return str(sum(model_dependent(p) and not p.needs_emulator for p in CATALOGUE))


def _any_model_probes() -> str:
    """Probes that hold with any model: neither [model] nor [emulator]."""
    from harness.model_limits import model_dependent
    from harness.probes import CATALOGUE

    return str(sum(not model_dependent(p) and not p.needs_emulator for p in CATALOGUE))


def _routes() -> str:
    from harness.targets import load_targets_file

    return str(len(load_targets_file("reference", base_url="http://unused.invalid/v1")))


def _examples() -> str:
    from examples.run_all import EXAMPLES

    return str(len(EXAMPLES))


FACTS: dict[str, Callable[[], str]] = {
    "probes": _probes,
    "emulator_probes": _emulator_probes,
    "model_probes": _model_probes,
    "any_model_probes": _any_model_probes,
    "routes": _routes,
    "examples": _examples,
}


def rewrite(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in values:
            raise KeyError(f"unknown fact {name!r} (known: {', '.join(sorted(values))})")
        return f"<!-- fact:{name} -->{values[name]}<!-- /fact -->"

    return SPAN.sub(one, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="name the stale figures, change nothing")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    values = {name: fact() for name, fact in FACTS.items()}
    stale = []
    for name in FILES:
        path = ROOT / name
        text = path.read_text()
        new = rewrite(text, values)
        if new == text:
            continue
        stale += [f"{name}: {m['name']} says {m['value']!r}, the code {values[m['name']]!r}"
                  for m in SPAN.finditer(text) if m["value"] != values[m["name"]]]  # fmt: skip
        if not args.check:
            path.write_text(new)
    for line in stale:
        print(("stale: " if args.check else "rewritten: ") + line, file=sys.stderr if args.check else sys.stdout)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
