"""Every report of a run, written from the same verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.defects import Defect, assign, group
from harness.model import Verdict
from harness.reports.html import write_html
from harness.reports.junit import write_junit
from harness.reports.matrix import write_matrix
from harness.reports.summary import exit_code, write_badge, write_json
from harness.run_info import RunInfo

__all__ = ["exit_code", "write_all"]


def write_all(
    verdicts: Sequence[Verdict],
    report_dir: Path,
    *,
    matrix_out: Path | None = None,
    run: RunInfo | None = None,
    defects: Sequence[Defect] | None = None,
) -> list[Path]:
    """Every report of the run, each leading with its defects (harness/defects.py; grouped here if not given)."""
    run = run or RunInfo.current()
    if defects is None:
        defects = group(verdicts)
        verdicts = assign(verdicts, defects)
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        write_json(verdicts, report_dir / "report.json", run=run, defects=defects),
        write_junit(verdicts, report_dir / "junit.xml", run=run, defects=defects),
        write_matrix(verdicts, report_dir / "matrix.md", defects=defects),
        write_badge(verdicts, report_dir / "badge.json"),
        write_html(verdicts, report_dir / "report.html", run=run, defects=defects),
    ]
    if matrix_out:
        matrix_out.parent.mkdir(parents=True, exist_ok=True)
        paths.append(write_matrix(verdicts, matrix_out, defects=defects))
    return paths
