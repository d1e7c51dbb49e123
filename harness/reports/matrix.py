"""The Markdown conformance matrix: probes (grouped by area) x targets."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from pathlib import Path

from harness.model import Outcome, Verdict

SYMBOL = {
    Outcome.PASS: "✅ pass",
    Outcome.PASS_REJECTED: "🚫 rejected cleanly",
    Outcome.NON_STRICT: "⚠️ non-strict",
    Outcome.FAIL: "❌ fail",
    Outcome.SKIP: "⚪ skip",
}


def render_matrix(verdicts: Sequence[Verdict]) -> str:
    targets = list(dict.fromkeys(v.target for v in verdicts))
    cell = {(v.probe, v.target): v for v in verdicts}
    probes = sorted({(v.probe, v.level.value) for v in verdicts})
    lines = [
        "# Conformance matrix",
        "",
        "Legend: " + " · ".join(SYMBOL.values()) + ". `pass` means the feature works for real; "
        "`rejected cleanly` means a 4xx/501 OpenAI error envelope naming the feature, where the target may reject it.",
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
            cells = [SYMBOL[cell[(probe_id, t)].outcome] if (probe_id, t) in cell else "" for t in targets]
            lines.append(f"| `{probe_id}` | {level} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def write_matrix(verdicts: Sequence[Verdict], path: Path) -> Path:
    path.write_text(render_matrix(verdicts))
    return path
