"""The Markdown conformance matrix: probes (grouped by area) x targets, each cell naming both axes."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from pathlib import Path

from harness.defects import Defect, group
from harness.model import Behaviour, Outcome, Verdict

SYMBOL = {
    Outcome.PASS: "✅ pass",
    Outcome.PASS_REJECTED: "🚫 rejected cleanly",
    Outcome.NON_STRICT: "⚠️ non-strict",
    Outcome.FAIL: "❌ fail",
    Outcome.SKIP: "⚪ skip",
    Outcome.MODEL_LIMITED: "🧠 model-limited",
}
# What a cell says when it says nothing more than its outcome.
PLAIN = {
    Outcome.PASS: Behaviour.WORKS,
    Outcome.PASS_REJECTED: Behaviour.REJECTED,
    Outcome.SKIP: Behaviour.SKIPPED,
}


def cell_text(verdict: Verdict) -> str:
    """The outcome, and beside it both axes unless the outcome already says them: `❌ fail (works · 2 defects)`,
    `⚠️ non-strict (works · 1 defect)`, `❌ fail (broken · 1 defect)`, `✅ pass`."""
    if PLAIN.get(verdict.outcome) is verdict.behaviour and not verdict.findings and not verdict.defects:
        return SYMBOL[verdict.outcome]
    return f"{SYMBOL[verdict.outcome]} ({verdict.label})"


def defect_table(defects: Sequence[Defect]) -> list[str]:
    """The defects as a Markdown table, MUST first then by reach."""
    if not defects:
        return []
    several = len({t for d in defects for t in d.targets}) > 1
    head = "| defect | level | what | probes |" + (" targets |" if several else "")
    lines = [f"## Defects ({len(defects)} distinct)", "", head, "|---|---|---|---|" + ("---|" if several else "")]
    for d in defects:
        title = d.title.replace("|", "\\|")
        row = f"| `{d.id}` | {d.level.value} | {title} | {d.reach} |"
        lines.append(row + (f" {', '.join(d.targets)} |" if several else ""))
    return [*lines, ""]


def render_matrix(verdicts: Sequence[Verdict], defects: Sequence[Defect] | None = None) -> str:
    targets = list(dict.fromkeys(v.target for v in verdicts))
    cell = {(v.probe, v.target): v for v in verdicts}
    probes = sorted({(v.probe, v.level.value) for v in verdicts})
    lines = ["# Conformance matrix", ""]
    lines += defect_table(group(verdicts) if defects is None else defects)
    lines += [
        "Legend: " + " · ".join(SYMBOL.values()) + ". `pass` means the feature works for real; "
        "`rejected cleanly` means a 4xx/501 OpenAI error envelope naming the feature, where the target may reject it. "
        "In brackets: what the probe's own check found (works, rejected, broken, skipped) and how many of the "
        "defects above the cell shows.",
        "",
    ]
    for area, batch in groupby(probes, key=lambda p: p[0].split(".")[0]):
        lines += [
            f"## {area}",
            "",
            "| probe | level | " + " | ".join(targets) + " |",
            "|---|---|" + "---|" * len(targets),
        ]
        for probe_id, level in batch:
            cells = [cell_text(cell[(probe_id, t)]) if (probe_id, t) in cell else "" for t in targets]
            lines.append(f"| `{probe_id}` | {level} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def write_matrix(verdicts: Sequence[Verdict], path: Path, *, defects: Sequence[Defect] | None = None) -> Path:
    path.write_text(render_matrix(verdicts, defects))
    return path
