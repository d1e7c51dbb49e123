"""The console: one line per result as it arrives, then a summary table."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from harness.model import Outcome, Verdict
from harness.reports.summary import summary

MARK = {
    Outcome.PASS: "PASS",
    Outcome.PASS_REJECTED: "PASS-REJECTED",
    Outcome.NON_STRICT: "NON-STRICT",
    Outcome.FAIL: "FAIL",
    Outcome.SKIP: "SKIP",
}


class Progress:
    def __init__(self, total: int, stream: TextIO = sys.stdout, quiet: bool = False) -> None:
        self.total, self.done, self.stream, self.quiet = total, 0, stream, quiet

    def __call__(self, verdict: Verdict) -> None:
        self.done += 1
        if self.quiet and verdict.outcome is not Outcome.FAIL:
            return
        line = f"[{self.done:>4}/{self.total}] {MARK[verdict.outcome]:<13} {verdict.target:<28} {verdict.probe}"
        if verdict.outcome in (Outcome.FAIL, Outcome.NON_STRICT, Outcome.SKIP) and verdict.message:
            line += f"\n{'':>20}{verdict.message}"
            if verdict.expected or verdict.received:
                line += f"\n{'':>20}expected: {verdict.expected[:150]}\n{'':>20}received: {verdict.received[:150]}"
        print(line, file=self.stream, flush=True)


def print_summary(verdicts: Sequence[Verdict], stream: TextIO = sys.stdout) -> None:
    counts = summary(verdicts)
    targets = list(dict.fromkeys(v.target for v in verdicts))
    print("", file=stream)
    print(f"{'target':<30}{'pass':>6}{'rejected':>10}{'non-strict':>12}{'fail':>6}{'skip':>6}", file=stream)
    for target in targets:
        mine = [v for v in verdicts if v.target == target]
        c = summary(mine)
        print(
            f"{target:<30}{c['pass']:>6}{c['pass-rejected']:>10}{c['non-strict']:>12}{c['fail']:>6}{c['skip']:>6}",
            file=stream,
        )
    print(
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped "
        f"({counts['pass-rejected']} rejected cleanly, {counts['non-strict']} non-strict)",
        file=stream,
    )
