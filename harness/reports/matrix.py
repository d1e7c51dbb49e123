"""The Markdown conformance matrix: probes (grouped by area) x targets, each cell naming both axes."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from pathlib import Path

from harness.model import Behaviour, Outcome, Verdict
from harness.reports.causes import common_causes

SYMBOL = {
    Outcome.PASS: "✅ pass",
    Outcome.PASS_REJECTED: "🚫 rejected cleanly",
    Outcome.NON_STRICT: "⚠️ non-strict",
    Outcome.FAIL: "❌ fail",
    Outcome.SKIP: "⚪ skip",
}
# What a cell says when it says nothing more than its outcome.
PLAIN = {
    Outcome.PASS: Behaviour.WORKS,
    Outcome.PASS_REJECTED: Behaviour.REJECTED,
    Outcome.SKIP: Behaviour.SKIPPED,
}


def cell_text(verdict: Verdict) -> str:
    """The outcome, and beside it both axes unless the outcome already says them: `❌ fail (works · 3 wire
    deviations)`, `⚠️ non-strict (works · 1 wire deviation)`, `❌ fail (broken)`, `✅ pass`."""
    if PLAIN.get(verdict.outcome) is verdict.behaviour and not verdict.findings:
        return SYMBOL[verdict.outcome]
    return f"{SYMBOL[verdict.outcome]} ({verdict.label})"


def render_matrix(verdicts: Sequence[Verdict]) -> str:
    targets = list(dict.fromkeys(v.target for v in verdicts))
    cell = {(v.probe, v.target): v for v in verdicts}
    probes = sorted({(v.probe, v.level.value) for v in verdicts})
    lines = ["# Conformance matrix", ""]
    causes = common_causes(verdicts)
    if causes:
        lines += ["**Common causes:**", ""]
        lines += [f"- `{c.target}`: {c.summary}" for c in causes]
        lines.append("")
    lines += [
        "Legend: " + " · ".join(SYMBOL.values()) + ". `pass` means the feature works for real; "
        "`rejected cleanly` means a 4xx/501 OpenAI error envelope naming the feature, where the target may reject it. "
        "In brackets: what the probe's own check found (works, rejected, broken, skipped) and the wire deviations "
        "the judge found.",
        "",
    ]
    for area, group in groupby(probes, key=lambda p: p[0].split(".")[0]):
        lines += [
            f"## {area}",
            "",
            "| probe | level | " + " | ".join(targets) + " |",
            "|---|---|" + "---|" * len(targets),
        ]
        for probe_id, level in group:
            cells = [cell_text(cell[(probe_id, t)]) if (probe_id, t) in cell else "" for t in targets]
            lines.append(f"| `{probe_id}` | {level} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def write_matrix(verdicts: Sequence[Verdict], path: Path) -> Path:
    path.write_text(render_matrix(verdicts))
    return path
