"""JUnit XML: one testsuite per target, one testcase per probe."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path

from harness.defects import Defect, group
from harness.model import Outcome, Verdict
from harness.run_info import RunInfo


def write_junit(
    verdicts: Sequence[Verdict], path: Path, *, run: RunInfo | None = None, defects: Sequence[Defect] | None = None
) -> Path:
    root = ET.Element("testsuites", name="gateway-conformance")
    judged_with = (run or RunInfo.current()).as_json()
    defects = group(verdicts) if defects is None else defects
    titles = {d.id: d.title for d in defects}
    for target, batch in groupby(sorted(verdicts, key=lambda v: v.target), key=lambda v: v.target):
        cases = list(batch)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=target,
            tests=str(len(cases)),
            failures=str(sum(v.outcome is Outcome.FAIL for v in cases)),
            skipped=str(sum(v.outcome is Outcome.SKIP for v in cases)),
            time=f"{sum(v.duration_ms for v in cases) / 1000:.3f}",
        )
        properties = ET.SubElement(suite, "properties")
        for name, value in judged_with.items():
            if value is not None:
                ET.SubElement(properties, "property", name=name, value=value)
        mine = [d for d in defects if target in d.targets]
        ET.SubElement(properties, "property", name="defects", value=str(len(mine)))
        for verdict in cases:
            case = ET.SubElement(
                suite, "testcase", classname=target, name=verdict.probe, time=f"{verdict.duration_ms / 1000:.3f}"
            )
            detail = "\n".join(
                f"{k}: {v}"
                for k, v in (
                    ("requirement", verdict.requirement),
                    ("behaviour", verdict.behaviour.value),
                    ("defects", "; ".join(f"{i} {titles.get(i, '')}".strip() for i in verdict.defects)),
                    ("wire deviations", str(verdict.deviations)),
                    ("expected", verdict.expected),
                    ("received", verdict.received),
                    ("where", verdict.where),
                    ("cassette", verdict.cassette),
                )
                if v
            )
            if verdict.outcome is Outcome.FAIL:
                message = f"{verdict.label}: {verdict.message}" if verdict.message else verdict.label
                ET.SubElement(case, "failure", message=message).text = detail + "".join(
                    f"\n{f.level.value} {f.rule}: {f.message} {f.where} {f.received}".rstrip() for f in verdict.findings
                )
            elif verdict.outcome is Outcome.SKIP:
                ET.SubElement(case, "skipped", message=verdict.message)
            elif verdict.outcome is not Outcome.PASS:
                ET.SubElement(case, "system-out").text = f"{verdict.outcome.value} ({verdict.label}): {verdict.message}"
        # The suite's defects, ranked (after its cases, where the JUnit schema puts a suite's output).
        ET.SubElement(suite, "system-out").text = "\n".join(d.line() for d in mine)
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
