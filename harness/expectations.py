"""Expectations: the known outcome of every target x probe, so that a run fails only on a change.

The format is the peers' `expected.yaml` (peers/<peer>/expected.yaml), in the spirit of web-platform-tests'
metadata and pytest's xfail:

    peer: litellm            # optional, like `version` and `recorded`
    version: 1.108.7
    recorded: '2026-12-01'
    targets:
      my-gateway:
        responses.basic.text: pass
        responses.hosted.web_search:
          outcome: fail
          defects: [D-0e7796]                  # optional: the defect ids the verdict shows (report.json)
          defect: the web_search tool is dropped   # optional notes: defect, false_positive, cause, note
        errors.auth.missing_key: non-strict

An outcome is one of harness.model.Outcome's values. `compare` matches a run's results (report.json's `results`)
against them: a verdict matches, regresses (a worse outcome, or a defect id the expectation does not list), passes
unexpectedly (a better outcome, or a listed defect gone: "now passes: update the expectations"), is new (no
expectation), or an expectation was not run. `from_report` writes expectations from a run, carrying the notes of an
earlier file over where the outcome did not change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import yaml

from harness.model import Outcome

OUTCOMES: Final = tuple(o.value for o in Outcome)
# Free-text notes an expectation may carry, in the order they are written.
NOTE_KEYS: Final = ("defect", "false_positive", "cause", "note")
HEADER_KEYS: Final = ("peer", "version", "recorded")
# How good an outcome is, for telling a regression from an improvement (lower is better); `skip` is apart.
# `model-limited` ranks with a pass: the gateway did its part (a real model's choice is no regression of its).
RANK: Final = {
    Outcome.PASS: 0, Outcome.MODEL_LIMITED: 0, Outcome.PASS_REJECTED: 1, Outcome.NON_STRICT: 2, Outcome.FAIL: 3
}  # fmt: skip
FAILING: Final = frozenset({Outcome.FAIL.value, Outcome.NON_STRICT.value})
COMMENT: Final = (
    "# Expected outcomes per target and probe (harness/expectations.py), written by\n"
    "# `gateway-conformance probe --write-expectations`; checked with `--expectations`.\n"
)


class ExpectationsError(ValueError):
    """An expectations file that cannot be read; the message names the file and the place."""


@dataclass(frozen=True)
class Expected:
    """One target x probe: its outcome, the defect ids it shows (if listed) and its notes."""

    outcome: str
    defects: tuple[str, ...] = ()
    notes: tuple[tuple[str, str], ...] = ()

    def as_yaml(self) -> str | dict[str, Any]:
        if not self.defects and not self.notes:
            return self.outcome
        entry: dict[str, Any] = {"outcome": self.outcome}
        entry.update(self.notes)
        if self.defects:
            entry["defects"] = list(self.defects)
        return entry


@dataclass(frozen=True)
class Expectations:
    targets: Mapping[str, Mapping[str, Expected]]
    peer: str | None = None
    version: str | None = None
    recorded: str | None = None
    source: str = "<expectations>"

    def get(self, target: str, probe: str) -> Expected | None:
        return self.targets.get(target, {}).get(probe)

    def dump(self) -> str:
        body: dict[str, Any] = {k: getattr(self, k) for k in HEADER_KEYS if getattr(self, k) is not None}
        body["targets"] = {
            target: {probe: entry.as_yaml() for probe, entry in sorted(probes.items())}
            for target, probes in self.targets.items()
        }
        return COMMENT + str(yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=120))

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.dump())
        return path


def _entry(value: Any, where: str) -> Expected:
    if isinstance(value, str):
        value = {"outcome": value}
    if not isinstance(value, Mapping):
        raise ExpectationsError(f"{where}: an outcome or a mapping with `outcome`, not {value!r}")
    unknown = sorted(set(value) - {"outcome", "defects", *NOTE_KEYS})
    if unknown:
        raise ExpectationsError(
            f"{where}: unknown key {unknown[0]!r} (known: outcome, defects, {', '.join(NOTE_KEYS)})"
        )
    outcome = value.get("outcome")
    if outcome not in OUTCOMES:
        raise ExpectationsError(f"{where}: outcome {outcome!r} is none of {', '.join(OUTCOMES)}")
    defects = value.get("defects") or []
    if not isinstance(defects, list) or not all(isinstance(d, str) and d.startswith("D-") for d in defects):
        raise ExpectationsError(f"{where}: `defects` must be a list of defect ids (D-xxxxxx), not {defects!r}")
    notes = tuple((key, str(value[key])) for key in NOTE_KEYS if value.get(key) is not None)
    return Expected(str(outcome), tuple(defects), notes)


def parse(data: Any, source: str = "<expectations>") -> Expectations:
    """Expectations from the YAML's value; every error names `source` and the target and probe."""
    if not isinstance(data, Mapping):
        raise ExpectationsError(f"{source}: a mapping with `targets` expected")
    unknown = sorted(set(data) - {"targets", *HEADER_KEYS})
    if unknown:
        raise ExpectationsError(f"{source}: unknown top-level key {unknown[0]!r}")
    raw_targets = data.get("targets") or {}
    if not isinstance(raw_targets, Mapping):
        raise ExpectationsError(f"{source}: `targets` must map target names to probes")
    targets: dict[str, dict[str, Expected]] = {}
    for target, probes in raw_targets.items():
        if not isinstance(probes, Mapping):
            raise ExpectationsError(f"{source}: target {target}: must map probe ids to outcomes")
        targets[str(target)] = {
            str(probe): _entry(value, f"{source}: {target} {probe}") for probe, value in probes.items()
        }
    header = {k: None if data.get(k) is None else str(data[k]) for k in HEADER_KEYS}
    return Expectations(targets, source=source, **header)


def read(path: Path, what: str, error: type[ValueError]) -> Any:
    """A YAML (or JSON, which YAML reads too) file's value; `error` names the file when it cannot be read."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from exc
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise error(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'} ({exc})") from exc


def load(path: Path | str) -> Expectations:
    path = Path(path)
    return parse(read(path, "expectations file", ExpectationsError), str(path))


def from_report(report: Mapping[str, Any], previous: Expectations | None = None) -> Expectations:
    """Expectations saying what a run (report.json's dict) received: each result's outcome, and for a fail or
    non-strict the defect ids it showed. Notes (`defect:`, `false_positive:` ...) and the header of `previous` are
    kept where the outcome did not change; a changed outcome drops them (they explained another verdict)."""
    targets: dict[str, dict[str, Expected]] = {}
    for result in report.get("results", []):
        target, probe, outcome = str(result["target"]), str(result["probe"]), str(result["outcome"])
        defects = tuple(result.get("defects") or ()) if outcome in FAILING else ()
        before = previous.get(target, probe) if previous else None
        notes = before.notes if before and before.outcome == outcome else ()
        targets.setdefault(target, {})[probe] = Expected(outcome, defects, notes)
    header = {k: getattr(previous, k) for k in HEADER_KEYS} if previous else {}
    return Expectations(targets, **header)


class Status(StrEnum):
    MATCH = "match"
    REGRESSION = "regression"
    UNEXPECTED_PASS = "unexpected-pass"
    NEW = "new"
    NOT_RUN = "not-run"


@dataclass(frozen=True)
class Comparison:
    """One target x probe compared: what was expected, what was received, and why it differs."""

    target: str
    probe: str
    status: Status
    expected: str | None
    received: str | None
    reason: str = ""
    defects_added: tuple[str, ...] = ()
    defects_gone: tuple[str, ...] = ()

    def line(self) -> str:
        where = f"{self.target} {self.probe}"
        if self.status is Status.REGRESSION:
            extra = f" (new defects {', '.join(self.defects_added)})" if self.defects_added else ""
            reason = f": {self.reason}" if self.reason else ""
            return f"regression  {where}: expected {self.expected}, received {self.received}{extra}{reason}"
        if self.status is Status.UNEXPECTED_PASS:
            gone = f" (defects gone: {', '.join(self.defects_gone)})" if self.defects_gone else ""
            return (
                f"now passes  {where}: expected {self.expected}, received {self.received}{gone}: "
                "update the expectations"
            )
        if self.status is Status.NEW:
            return f"new         {where}: {self.received}, no expectation" + (f": {self.reason}" if self.reason else "")
        if self.status is Status.NOT_RUN:
            return f"not run     {where}: expected {self.expected}, not in this run"
        return f"match       {where}: {self.received}"

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "probe": self.probe,
            "status": self.status.value,
            "expected": self.expected,
            "received": self.received,
            "reason": self.reason,
            "defects_added": list(self.defects_added),
            "defects_gone": list(self.defects_gone),
        }


@dataclass(frozen=True)
class Result:
    """A run compared with its expectations. It fails on a regression or on a new probe that failed; with
    `strict`, also on an unexpected pass or an expectation that was not run."""

    source: str
    rows: tuple[Comparison, ...]
    strict: bool = False

    def of(self, status: Status) -> list[Comparison]:
        return [row for row in self.rows if row.status is status]

    @property
    def failures(self) -> list[Comparison]:
        strict = (Status.UNEXPECTED_PASS, Status.NOT_RUN) if self.strict else ()
        return [
            row
            for row in self.rows
            if row.status is Status.REGRESSION
            or row.status in strict
            or (row.status is Status.NEW and row.received == Outcome.FAIL.value)
        ]

    @property
    def ok(self) -> bool:
        return not self.failures

    def headline(self) -> str:
        n = {s: len(self.of(s)) for s in Status}
        verdict = "ok" if self.ok else "FAILED"
        strict = ", strict" if self.strict else ""
        return (
            f"expectations ({self.source}{strict}): {verdict}: {n[Status.MATCH]} match, "
            f"{n[Status.REGRESSION]} regressions, {n[Status.UNEXPECTED_PASS]} now pass, "
            f"{n[Status.NEW]} new, {n[Status.NOT_RUN]} not run"
        )

    def lines(self, limit: int = 20) -> list[str]:
        """The headline, then every difference (regressions first), each kind cut at `limit` lines."""
        out = [self.headline()]
        for status in (Status.REGRESSION, Status.UNEXPECTED_PASS, Status.NEW, Status.NOT_RUN):
            rows = self.of(status)
            out += ["  " + row.line() for row in rows[:limit]]
            if len(rows) > limit:
                out.append(f"  ... {len(rows) - limit} more {status.value} (report.json: expectations)")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "strict": self.strict,
            "ok": self.ok,
            "counts": {s.value: len(self.of(s)) for s in Status},
            "differences": [row.as_json() for row in self.rows if row.status is not Status.MATCH],
        }


def reason(result: Mapping[str, Any], titles: Mapping[str, str] | None = None) -> str:
    """Why a result (report.json's) is what it is, in one line: its message and its derived causes, then, given the
    defects' titles, its defects ("D-xxxxxx title"; the id alone beside a title already said)."""
    said = [str(result.get("message") or "").strip(), *map(str, result.get("causes") or ())]
    parts = list(dict.fromkeys(p for p in said if p))
    for defect in result.get("defects") or ():
        if titles is None:
            break
        title = titles.get(defect, "")
        if title in parts:  # the defect is the verdict's own failure, already said: its id beside it
            parts[parts.index(title)] = f"{title} ({defect})"
        else:
            parts.append(f"{defect} {title}".strip())
    return "; ".join(parts)


def worse(before: str, after: str) -> bool | None:
    """Whether outcome `after` is worse than `before` (True), better (False) or the same (None). A probe that was
    checked and now skips is worse; one that skipped and now passes is better, and now fails worse."""
    if before == after:
        return None
    if after == Outcome.SKIP.value:
        return True
    if before == Outcome.SKIP.value:
        return after not in (Outcome.PASS.value, Outcome.PASS_REJECTED.value)
    return RANK[Outcome(after)] > RANK[Outcome(before)]


def compare_one(expected: Expected, result: Mapping[str, Any]) -> Comparison:
    target, probe, received = str(result["target"]), str(result["probe"]), str(result["outcome"])
    shown = tuple(result.get("defects") or ())
    added = tuple(d for d in shown if d not in expected.defects) if expected.defects else ()
    gone = tuple(d for d in expected.defects if d not in shown) if received == expected.outcome else ()
    if received == expected.outcome:
        status = Status.REGRESSION if added else (Status.UNEXPECTED_PASS if gone else Status.MATCH)
    else:
        status = Status.REGRESSION if worse(expected.outcome, received) else Status.UNEXPECTED_PASS
    why = reason(result) if status is Status.REGRESSION else ""
    return Comparison(target, probe, status, expected.outcome, received, why, added, gone)


def compare(
    expectations: Expectations,
    results: Iterable[Mapping[str, Any]],
    *,
    strict: bool = False,
    in_scope: Callable[[str, str], bool] | None = None,
) -> Result:
    """Every result against its expectation, then every expectation no result answered that `in_scope(target,
    probe)` says this run should have run (default: all; a run of a few probes passes its selection, so that the
    rest are not listed as not run)."""
    rows: list[Comparison] = []
    seen: set[tuple[str, str]] = set()
    for result in results:
        target, probe = str(result["target"]), str(result["probe"])
        seen.add((target, probe))
        expected = expectations.get(target, probe)
        if expected is None:
            received = str(result["outcome"])
            why = reason(result) if received in FAILING else ""
            rows.append(Comparison(target, probe, Status.NEW, None, received, why))
        else:
            rows.append(compare_one(expected, result))
    for target, probes in expectations.targets.items():
        rows += [
            Comparison(target, probe, Status.NOT_RUN, entry.outcome, None)
            for probe, entry in probes.items()
            if (target, probe) not in seen and (in_scope is None or in_scope(target, probe))
        ]
    return Result(expectations.source, tuple(rows), strict)


def results_of(report: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    """report.json's results, checked to be a list of results."""
    results = report.get("results")
    if not isinstance(results, list):
        raise ExpectationsError("not a report.json: it has no `results` list")
    return results


def attach(report_json: Path, compared: Result) -> None:
    """Keep the comparison in a written report.json, as its `expectations` key."""
    body = json.loads(report_json.read_text())
    body["expectations"] = compared.as_json()
    report_json.write_text(json.dumps(body, indent=2) + "\n")
