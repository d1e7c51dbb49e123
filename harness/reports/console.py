"""The console: a header saying what was judged with and what was assumed, one line per result as it arrives, then
the defects (harness/defects.py), a summary table and a summary line."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from harness.defects import Defect, group
from harness.expectations import Result as Expectations
from harness.model import Level, Outcome, Verdict
from harness.reports.summary import summary
from harness.run_info import RunInfo
from harness.targets import Target

MARK = {
    Outcome.PASS: "PASS",
    Outcome.PASS_REJECTED: "PASS-REJECTED",
    Outcome.NON_STRICT: "NON-STRICT",
    Outcome.FAIL: "FAIL",
    Outcome.SKIP: "SKIP",
    Outcome.MODEL_LIMITED: "MODEL-LIMITED",
}
MARK_WIDTH = max(map(len, MARK.values()))
# (column heading, summary key)
COLUMNS = (
    ("pass", "pass"),
    ("rejected", "pass-rejected"),
    ("non-strict", "non-strict"),
    ("fail", "fail"),
    ("model-limited", "model-limited"),
    ("skip", "skip"),
)


def print_header(targets: Sequence[Target], stream: TextIO | None = None, *, run: RunInfo | None = None) -> None:
    """What the run judges with, what each target is, and what was assumed about it where nothing was said."""
    stream = stream or sys.stdout
    if run is not None:
        print(f"judged with {run.line()}", file=stream)
    width = max((len(t.name) for t in targets), default=0)
    for t in targets:
        assumed = f" (assuming --expect {t.profile.value}: none given)" if t.profile_assumed else ""
        print(f"{t.name:<{width}}  {t.model} at {t.base_url}, profile {t.profile.value}{assumed}", file=stream)


def _wants_label(verdict: Verdict) -> bool:
    return verdict.outcome is not Outcome.PASS or bool(verdict.findings)


class Progress:
    """One line per verdict: `[  12/50] FAIL  target  probe  works · 3 wire deviations`, its columns as wide as the
    longest target name and probe ID of the run."""

    def __init__(
        self,
        total: int,
        stream: TextIO | None = None,
        quiet: bool = False,
        *,
        targets: Sequence[str] = (),
        probes: Sequence[str] = (),
    ) -> None:
        self.total, self.done, self._stream, self.quiet = total, 0, stream, quiet
        self.target_width = max((len(t) for t in targets), default=20)
        self.probe_width = max((len(p) for p in probes), default=40)

    def __call__(self, verdict: Verdict) -> None:
        self.done += 1
        if self.quiet and verdict.outcome is not Outcome.FAIL:
            return
        counter = f"[{self.done:>{len(str(self.total))}}/{self.total}]"
        line = f"{counter} {MARK[verdict.outcome]:<{MARK_WIDTH}} {verdict.target:<{self.target_width}} "
        line += f"{verdict.probe:<{self.probe_width}}"
        line += f"  {verdict.label}" if _wants_label(verdict) else ""
        line = line.rstrip()
        indent = " " * (len(counter) + 1 + MARK_WIDTH + 1)
        if (
            verdict.outcome in (Outcome.FAIL, Outcome.NON_STRICT, Outcome.SKIP, Outcome.MODEL_LIMITED)
            and verdict.message
        ):
            line += f"\n{indent}{verdict.message}"
            if verdict.expected or verdict.received:
                line += f"\n{indent}expected: {verdict.expected[:150]}\n{indent}received: {verdict.received[:150]}"
        print(line, file=self._stream or sys.stdout, flush=True)


def summary_line(verdicts: Sequence[Verdict]) -> str:
    counts = summary(verdicts)
    must = sum(f.count for v in verdicts for f in v.findings if f.level is Level.MUST)
    should = sum(v.should_deviations for v in verdicts)
    return (
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped "
        f"({counts['pass-rejected']} rejected cleanly, {counts['non-strict']} non-strict"
        + (f", {counts['model-limited']} model-limited" if counts.get("model-limited") else "")
        + "); "
        f"wire findings: {must} MUST, {should} SHOULD"
    )


def print_defects(defects: Sequence[Defect], stream: TextIO) -> None:
    """The distinct defects, MUST first then by reach, one line each (its targets where there are several)."""
    must = sum(d.level is Level.MUST for d in defects)
    heading = f"defects: {len(defects)} distinct ({must} MUST), by reach; details in report.json and report.html"
    print(heading, file=stream)
    one_target = len({t for d in defects for t in d.targets}) == 1
    for defect in defects:
        targets = "" if one_target else f"  [{', '.join(defect.targets)}]"
        print(f"  {defect.id} {defect.level.value:<6} {defect.title} · {defect.reach} probes{targets}", file=stream)


def print_summary(
    verdicts: Sequence[Verdict], stream: TextIO | None = None, *, defects: Sequence[Defect] | None = None
) -> None:
    """The defect list, then a table of outcomes per target, then the summary line."""
    stream = stream or sys.stdout
    targets = list(dict.fromkeys(v.target for v in verdicts))
    print("", file=stream)
    defects = group(verdicts) if defects is None else defects
    if defects:
        print_defects(defects, stream)
        print("", file=stream)
    width = max([len("target"), *(len(t) for t in targets)]) + 2
    limited = any(v.outcome is Outcome.MODEL_LIMITED for v in verdicts)  # a column only a real-model run needs
    columns = [(name, key) for name, key in COLUMNS if limited or key != Outcome.MODEL_LIMITED.value]
    header = f"{'target':<{width}}" + "".join(f"{name:>{len(name) + 2}}" for name, _ in columns)
    print(header, file=stream)
    for target in targets:
        c = summary([v for v in verdicts if v.target == target])
        print(f"{target:<{width}}" + "".join(f"{c.get(key, 0):>{len(name) + 2}}" for name, key in columns), file=stream)
    print(summary_line(verdicts), file=stream)


def print_expectations(compared: Expectations, stream: TextIO | None = None) -> None:
    """The run against its expectations: a headline, then each regression (expected, received, why), unexpected
    pass, new probe and expectation not run."""
    stream = stream or sys.stdout
    print("", file=stream)
    for line in compared.lines():
        print(line, file=stream)
