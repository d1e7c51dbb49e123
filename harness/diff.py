"""Two runs compared: `gateway-conformance diff BASE NEW` (report.json files or report directories).

Per target: the regressions (an outcome that got worse: pass -> pass-rejected -> non-strict -> fail, or a probe
that ran and now skips), the fixes (the other way), the other changes, the defects that appeared or went (report.json's
stable `D-xxxxxx` ids), and the probes added or removed. Rendered as Markdown (a pull-request comment,
`$GITHUB_STEP_SUMMARY`) or JSON (tools).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import expectations

Result = Mapping[str, Any]


class DiffError(ValueError):
    """A report that cannot be read; the message names the file."""


@dataclass(frozen=True)
class Report:
    path: str
    results: Mapping[tuple[str, str], Result]
    titles: Mapping[str, str]  # defect id -> title


@dataclass(frozen=True)
class Change:
    probe: str
    before: str
    after: str
    cause: str = ""  # the new verdict's message, derived causes and defects

    def as_json(self) -> dict[str, str]:
        return {"probe": self.probe, "before": self.before, "after": self.after, "cause": self.cause}


@dataclass(frozen=True)
class TargetDiff:
    target: str
    regressions: tuple[Change, ...] = ()
    fixes: tuple[Change, ...] = ()
    changes: tuple[Change, ...] = ()
    defects_new: tuple[str, ...] = ()
    defects_gone: tuple[str, ...] = ()
    probes_added: tuple[str, ...] = ()
    probes_removed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.regressions,
                self.fixes,
                self.changes,
                self.defects_new,
                self.defects_gone,
                self.probes_added,
                self.probes_removed,
            )
        )


@dataclass(frozen=True)
class Diff:
    base: Report
    new: Report
    targets: tuple[TargetDiff, ...]

    @property
    def regressions(self) -> int:
        return sum(len(t.regressions) for t in self.targets)

    @property
    def exit_code(self) -> int:
        return 1 if self.regressions else 0

    def title(self, defect: str) -> str:
        return self.new.titles.get(defect) or self.base.titles.get(defect, "")

    def as_json(self) -> dict[str, Any]:
        return {
            "base": self.base.path,
            "new": self.new.path,
            "regressions": self.regressions,
            "targets": [
                {
                    "target": t.target,
                    "regressions": [c.as_json() for c in t.regressions],
                    "fixes": [c.as_json() for c in t.fixes],
                    "changes": [c.as_json() for c in t.changes],
                    "defects_new": [{"id": d, "title": self.title(d)} for d in t.defects_new],
                    "defects_gone": [{"id": d, "title": self.title(d)} for d in t.defects_gone],
                    "probes_added": list(t.probes_added),
                    "probes_removed": list(t.probes_removed),
                }
                for t in self.targets
            ],
        }


def report_path(path: Path | str) -> Path:
    path = Path(path)
    return path / "report.json" if path.is_dir() else path


def load(path: Path | str) -> Report:
    file = report_path(path)
    return parse(expectations.read(file, "report", DiffError), str(file))


def parse(body: Any, path: str = "<report>") -> Report:
    if not isinstance(body, Mapping) or not isinstance(body.get("results"), list):
        raise DiffError(f"{path}: not a report.json (no `results` list)")
    results = {(str(r["target"]), str(r["probe"])): r for r in body["results"]}
    titles = {str(d["id"]): str(d.get("title", "")) for d in body.get("defects") or []}
    return Report(path, results, titles)


def _defects(results: Sequence[Result]) -> set[str]:
    return {str(d) for r in results for d in r.get("defects") or ()}


def _target(target: str, base: Report, new: Report) -> TargetDiff:
    old = {p: r for (t, p), r in base.results.items() if t == target}
    now = {p: r for (t, p), r in new.results.items() if t == target}
    regressions: list[Change] = []
    fixes: list[Change] = []
    changes: list[Change] = []
    for probe in sorted(old.keys() & now.keys()):
        before, after = str(old[probe]["outcome"]), str(now[probe]["outcome"])
        worse = expectations.worse(before, after)
        if before == after:
            continue
        change = Change(probe, before, after, expectations.reason(now[probe], new.titles) if worse else "")
        (regressions if worse else fixes if worse is False else changes).append(change)
    was, is_ = _defects(list(old.values())), _defects(list(now.values()))
    return TargetDiff(
        target,
        tuple(regressions),
        tuple(fixes),
        tuple(changes),
        tuple(sorted(is_ - was)),
        tuple(sorted(was - is_)),
        tuple(sorted(now.keys() - old.keys())),
        tuple(sorted(old.keys() - now.keys())),
    )


def diff(base: Report, new: Report) -> Diff:
    names = dict.fromkeys([t for t, _ in base.results] + [t for t, _ in new.results])
    return Diff(base, new, tuple(_target(t, base, new) for t in names))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(d: Diff, *, heading: str = "### Conformance: changes since the base run") -> str:
    """The diff as Markdown: a line per count, then per target with a change the regressions, fixes, defects and
    probes that came or went."""
    lines = [heading, ""]
    if d.regressions:
        lines.append(f"**{d.regressions} regression{'s' if d.regressions != 1 else ''}**")
    else:
        lines.append("No regressions.")
    lines += ["", f"Base `{d.base.path}`, new `{d.new.path}`.", ""]
    for t in d.targets:
        if t.empty:
            continue
        lines += [f"#### `{t.target}`", ""]
        if t.regressions:
            lines += ["| regression | before | now | cause |", "|---|---|---|---|"]
            lines += [f"| `{c.probe}` | {c.before} | {c.after} | {_cell(c.cause)} |" for c in t.regressions]
            lines.append("")
        for label, changes in (("Fixed", t.fixes), ("Changed", t.changes)):
            if changes:
                lines.append(f"{label}: " + ", ".join(f"`{c.probe}` ({c.before} → {c.after})" for c in changes))
        for label, ids in (("New defects", t.defects_new), ("Defects gone", t.defects_gone)):
            if ids:
                lines += [f"{label}:", *(f"- `{i}` {_cell(d.title(i))}".rstrip() for i in ids)]
        for label, probes in (("Probes added", t.probes_added), ("Probes removed", t.probes_removed)):
            if probes:
                lines.append(f"{label}: " + ", ".join(f"`{p}`" for p in probes))
        lines.append("")
    if all(t.empty for t in d.targets):
        lines.append("No outcome, defect or probe changed.")
    return "\n".join(lines).rstrip() + "\n"


def render(d: Diff, fmt: str) -> str:
    return json.dumps(d.as_json(), indent=2) + "\n" if fmt == "json" else markdown(d)
