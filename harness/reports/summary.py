"""report.json, the shields.io badge, and the exit code (see EXIT_CODES)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.defects import Defect, group
from harness.model import Level, Outcome, Verdict
from harness.run_info import RunInfo

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_NOTHING = 0, 1, 2, 3
EXIT_CODES = {
    EXIT_OK: "no MUST requirement failed, and at least one probe ran",
    EXIT_FAIL: "a MUST requirement failed: a MUST probe's own check, a MUST wire rule on any probe's exchanges, "
    "or (under --replay) a probe whose cassette is missing",
    EXIT_USAGE: "usage error: bad arguments, no probe matches, an unreadable targets file",
    EXIT_NOTHING: "nothing was checked: every probe was skipped (or none ran)",
}


def summary(verdicts: Sequence[Verdict]) -> dict[str, int]:
    counts = {
        outcome.value: 0
        for outcome in (Outcome.PASS, Outcome.PASS_REJECTED, Outcome.NON_STRICT, Outcome.FAIL, Outcome.SKIP)
    }
    if any(v.outcome is Outcome.MODEL_LIMITED for v in verdicts):  # only a real-model run has any
        counts[Outcome.MODEL_LIMITED.value] = 0
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
        "behaviour": verdict.behaviour.value,
        "label": verdict.label,
        "duration_ms": verdict.duration_ms,
        "message": verdict.message,
        "requirement": verdict.requirement,
        "expected": verdict.expected,
        "received": verdict.received,
        "where": verdict.where,
        "cassette": verdict.cassette,
        "rejection": asdict(verdict.rejection) if verdict.rejection else None,
        # Every distinct finding the judge made (its `repeats` counting it), MAX_PER_RULE kinds of each rule listed,
        # the rest as one entry with `elided`: N.
        "findings": [{**asdict(f), "level": f.level.value} for f in verdict.findings],
        "deviations": {"total": verdict.deviations, "should": verdict.should_deviations},
        "defects": list(verdict.defects),
        "causes": list(verdict.causes),
        **({"expectation": verdict.expectation} if verdict.expectation else {}),
    }


def write_json(
    verdicts: Sequence[Verdict], path: Path, *, run: RunInfo | None = None, defects: Sequence[Defect] | None = None
) -> Path:
    body = {
        "run": (run or RunInfo.current()).as_json(),
        "summary": summary(verdicts),
        "defects": [d.as_json() for d in (group(verdicts) if defects is None else defects)],
        "results": [result(v) for v in verdicts],
    }
    path.write_text(json.dumps(body, indent=2) + "\n")
    return path


def must_failures(verdicts: Sequence[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if v.outcome is Outcome.FAIL and v.level is Level.MUST]


def exit_code(verdicts: Sequence[Verdict]) -> int:
    """1 if any verdict failed (only a MUST requirement makes a `fail`), else 3 if nothing ran, else 0."""
    if any(v.outcome is Outcome.FAIL for v in verdicts):
        return EXIT_FAIL
    if all(v.outcome is Outcome.SKIP for v in verdicts):
        return EXIT_NOTHING
    return EXIT_OK


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
