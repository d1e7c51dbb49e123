"""A run's report directory as Markdown for `$GITHUB_STEP_SUMMARY` (`gateway-conformance summary REPORT_DIR`, which
the repository's GitHub Action calls): the counts per target, the comparison with the expectations where the run
had some (its regressions first), the failing probes where it had none, and the defects."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness import diff, expectations

COLUMNS = (("pass", "pass"), ("rejected", "pass-rejected"), ("non-strict", "non-strict"), ("fail", "fail"))
LIMIT = 15  # rows of a list shown before "... N more"
Report = Mapping[str, Any]


def load(report_dir: Path) -> Report:
    path = diff.report_path(report_dir)
    body: Report = expectations.read(path, "report (did the probe run?)", ValueError)
    diff.parse(body, str(path))  # checks it is a report.json
    return body


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _counts(report: Report) -> list[str]:
    targets: dict[str, dict[str, int]] = {}
    for r in report["results"]:
        row = targets.setdefault(r["target"], {key: 0 for _, key in COLUMNS} | {"skip": 0})
        row[r["outcome"]] = row.get(r["outcome"], 0) + 1
    limited = any(r["outcome"] == "model-limited" for r in report["results"])  # only a real-model run has any
    columns = COLUMNS + ((("model-limited", "model-limited"),) if limited else ())
    lines = ["| target | " + " | ".join(name for name, _ in columns) + " | skip |", "|---" * (len(columns) + 2) + "|"]
    lines += [
        f"| `{t}` | " + " | ".join(str(c.get(key, 0)) for _, key in columns) + f" | {c['skip']} |"
        for t, c in targets.items()
    ]
    return lines


def _more(rows: list[str], total: int) -> list[str]:
    return rows + ([f"\n… {total - LIMIT} more in report.json"] if total > LIMIT else [])


def _expectations(compared: Mapping[str, Any]) -> list[str]:
    counts = compared["counts"]
    verdict = "✅ every verdict as expected" if compared["ok"] else "❌ **not as expected**"
    strict = ", strict" if compared.get("strict") else ""
    lines = [
        f"**Expectations** (`{compared['source']}`{strict}): {verdict}: {counts['match']} match, "
        f"{counts['regression']} regressions, {counts['unexpected-pass']} now pass, {counts['new']} new, "
        f"{counts['not-run']} not run.",
        "",
    ]
    differences = compared["differences"]
    regressions = [d for d in differences if d["status"] == "regression"]
    if regressions:
        lines += ["| regression | expected | received | cause |", "|---|---|---|---|"]
        rows = [
            f"| `{d['target']}` `{d['probe']}` | {d['expected']} | {d['received']} | {_cell(d['reason'])} |"
            for d in regressions[:LIMIT]
        ]
        lines += [*_more(rows, len(regressions)), ""]
    passes = [d for d in differences if d["status"] == "unexpected-pass"]
    if passes:
        listed = ", ".join(f"`{d['target']}` `{d['probe']}` ({d['expected']} → {d['received']})" for d in passes)
        lines += [f"Now pass (update the expectations): {listed}", ""]
    new = [d for d in differences if d["status"] == "new"]
    if new:
        lines += ["New probes, no expectation: " + ", ".join(f"`{d['probe']}` ({d['received']})" for d in new), ""]
    return lines


def _failures(report: Report) -> list[str]:
    failed = [r for r in report["results"] if r["outcome"] == "fail"]
    if not failed:
        return []
    titles = {d["id"]: d.get("title", "") for d in report.get("defects") or []}
    lines = ["| failed | cause |", "|---|---|"]
    rows = [f"| `{r['target']}` `{r['probe']}` | {_cell(expectations.reason(r, titles))} |" for r in failed]
    return [*lines, *_more(rows[:LIMIT], len(rows)), ""]


def _reach(defect: Mapping[str, Any]) -> str:
    reach = defect.get("reach")
    n = reach.get("probes", "?") if isinstance(reach, Mapping) else reach
    return f"{n} probe{'' if n == 1 else 's'}"


def _defects(report: Report) -> list[str]:
    defects = report.get("defects") or []
    if not defects:
        return ["No defects."]
    must = sum(d.get("level") == "MUST" for d in defects)
    lines = [f"**Defects**: {len(defects)} distinct ({must} MUST), by reach", ""]
    rows = [f"- `{d['id']}` {d.get('level', '')} {_cell(d.get('title', ''))} · {_reach(d)}" for d in defects[:LIMIT]]
    return [*lines, *_more(rows, len(defects))]


def render(report: Report, *, heading: str = "### Gateway conformance") -> str:
    lines = [heading, "", *_counts(report), ""]
    compared = report.get("expectations")
    lines += _expectations(compared) if compared else _failures(report)
    lines += _defects(report)
    return "\n".join(lines).rstrip() + "\n"
