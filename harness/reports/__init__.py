"""Every report of a run, written from the same verdicts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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
) -> list[Path]:
    run = run or RunInfo.current()
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        write_json(verdicts, report_dir / "report.json", run=run),
        write_junit(verdicts, report_dir / "junit.xml", run=run),
        write_matrix(verdicts, report_dir / "matrix.md"),
        write_badge(verdicts, report_dir / "badge.json"),
        write_html(verdicts, report_dir / "report.html", run=run),
    ]
    if matrix_out:
        matrix_out.parent.mkdir(parents=True, exist_ok=True)
        paths.append(write_matrix(verdicts, matrix_out))
    return paths
