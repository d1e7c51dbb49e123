"""report.json, the shields.io badge, and the exit code (0 iff no MUST probe failed)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.model import Level, Outcome, Verdict


def summary(verdicts: Sequence[Verdict]) -> dict[str, int]:
    counts = {
        outcome.value: 0
        for outcome in (Outcome.PASS, Outcome.PASS_REJECTED, Outcome.NON_STRICT, Outcome.FAIL, Outcome.SKIP)
    }
    for verdict in verdicts:
        counts[verdict.outcome.value] += 1
    counts["total"] = len(verdicts)
    return counts


def result(verdict: Verdict) -> dict[str, Any]:
    return {
        "target": verdict.target,
        "probe": verdict.probe,
        "level": verdict.level.value,
        "outcome": verdict.outcome.value,
        "duration_ms": verdict.duration_ms,
        "message": verdict.message,
        "requirement": verdict.requirement,
        "expected": verdict.expected,
        "received": verdict.received,
        "where": verdict.where,
        "cassette": verdict.cassette,
        "findings": [{**asdict(f), "level": f.level.value} for f in verdict.findings],
        **({"expectation": verdict.extra["expectation"]} if "expectation" in verdict.extra else {}),
    }


def write_json(verdicts: Sequence[Verdict], path: Path) -> Path:
    body = {"summary": summary(verdicts), "results": [result(v) for v in verdicts]}
    path.write_text(json.dumps(body, indent=2) + "\n")
    return path


def must_failures(verdicts: Sequence[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if v.outcome is Outcome.FAIL and v.level is Level.MUST]


def exit_code(verdicts: Sequence[Verdict]) -> int:
    return 1 if must_failures(verdicts) else 0


def write_badge(verdicts: Sequence[Verdict], path: Path) -> Path:
    must = [v for v in verdicts if v.level is Level.MUST and v.outcome is not Outcome.SKIP]
    passed = len(must) - len(must_failures(verdicts))
    color = "brightgreen" if passed == len(must) else ("yellow" if passed >= 0.8 * len(must) else "red")
    badge = {
        "schemaVersion": 1,
        "label": "responses conformance",
        "message": f"{passed}/{len(must)} MUST",
        "color": color,
    }
    path.write_text(json.dumps(badge) + "\n")
    return path
