"""Defects, not fails: every wire finding and every probe failure of a run grouped into the few distinct problems a
gateway's maintainer has to fix.

A defect is one rule at one normalised place with one normalised received value (harness/judge/signature.py): a
re-serialised response snapshot lacking `error` is one defect however many events and probes carry it. Missing
required fields at one place are one defect whichever of them a given answer lacked. A probe's own failure is a
defect keyed by what the gateway answered (HTTP status and error text, ids normalised out), or by the failure's
words where no answer was involved, so the same failure on several probes is one defect.

Each defect has a stable id (a hash of its key: the same defect has the same id on every target and in every run),
a one-line title, its level, its reach (the probes it touched, and how many findings or failures it stands for),
its first evidence (cassette, exchange, place) and its targets. `group` ranks them: MUST before SHOULD, then by
reach.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from emulators.faults import WRONG_SHAPE
from harness.judge.signature import normalise, place
from harness.model import NOT_AN_ENVELOPE, Finding, Level, Outcome, Verdict

DefectKey = tuple[str, str, str, str]  # kind ("wire" | "probe"), rule, place, received
REQUIRED = re.compile(r"^'(?P<field>[^']+)' is a required property$")
NOT_OF_TYPE = re.compile(r"^(?P<value>.+?) is not of type (?P<types>.+)$")
HTTP = re.compile(r"\bHTTP (\d{3})\b\s*(.*)", re.S)
MESSAGE = re.compile(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)"')
STATUS = re.compile(r"\ba (\d{3}) answer\b")
TRUNCATED = re.compile(r'^\{"(\w+)":\s*(\{"(\w+)":\s*)?"')
MISSING_FIELDS = "required fields missing"
NULL_FIELDS = "null where the schema wants a value"


def defect_id(key: DefectKey) -> str:
    return "D-" + hashlib.sha1("\x1f".join(key).encode()).hexdigest()[:6]


def finding_key(finding: Finding) -> DefectKey | None:
    """The defect a listed finding belongs to (None for the count of findings elided past the cap)."""
    if finding.elided:
        return None
    received, where = normalise(finding.received), place(finding)
    typed = NOT_OF_TYPE.match(finding.received)
    if REQUIRED.match(finding.received):
        received = MISSING_FIELDS
    elif finding.rule.startswith("schema.") and finding.received.startswith("null is not of type") and "." in where:
        # Nulls for several fields of one object are one re-serialisation: one defect, naming the fields.
        where, received = where.rsplit(".", 1)[0], NULL_FIELDS
    elif typed and finding.rule.startswith("schema."):
        received = f"{_kind(typed['value'])} is not of type {typed['types']}"  # the value's type, not the value
    elif finding.rule.startswith("echo."):
        received = "not echoed"  # whatever came back instead (the model's own name, None ...): one defect
    elif finding.rule == "error.envelope":
        received = _shape(finding.received)  # every body of one shape (FastAPI's {"detail": ...}) is one defect
    return "wire", finding.rule, where, received


def _kind(value: str) -> str:
    """A JSON value as written in a finding, by its type: a string, a number, an object ..."""
    try:
        parsed = json.loads(value)
    except ValueError:
        return "a value"
    kinds = ((bool, "a boolean"), (int, "a number"), (float, "a number"), (str, "a string"), (list, "an array"))
    return "null" if parsed is None else next((k for t, k in kinds if isinstance(parsed, t)), "an object")


def _shape(body: str) -> str:
    """An error body's shape: its keys, every value written as its type (`{"detail": string}`), or the text."""

    def shape(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        return _kind(json.dumps(value)).split(" ", 1)[-1]

    try:
        parsed = json.loads(body)
    except ValueError:
        # A body cut short in the finding: its shape as far as its first string value shows it.
        cut = TRUNCATED.match(body)
        if not cut:
            return normalise(body)[:80]
        inner = {cut[3]: "string"} if cut[3] else "string"
        return json.dumps({cut[1]: inner})
    return json.dumps(shape(parsed)) if isinstance(parsed, dict) else normalise(body)[:80]


def _error_text(rest: str) -> str:
    found = MESSAGE.search(rest)
    if found:
        return found.group(1).replace('\\"', '"')
    rest = re.sub(r"\s*\(code [^)]*\)\s*$", "", rest.strip())
    if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "'\"":
        rest = rest[1:-1]
    return rest


def failure_key(check: str, received: str = "", *, fault: bool = False) -> DefectKey:
    """The defect a probe's own failure belongs to: the error the gateway answered (status and the first line of
    its text), when an error answer decided it; else the failure's own words. A fault probe's failure (`fault`) is
    how the gateway answers upstream faults: keyed by the status it answered them with (the title names the
    faults), not by the upstream's error text that the gateway passed on. A fault answered with the right status
    but not in an OpenAI envelope is the envelope's defect, as on any other probe."""
    fault = fault and not check.startswith(NOT_AN_ENVELOPE)
    for text in (received, check):
        found = HTTP.search(text or "")
        if found and fault:
            return "probe", "fault", f"answered with HTTP {found.group(1)}", ""
        if found and int(found.group(1)) >= 400:
            first = _error_text(found.group(2)).replace("\\n", "\n").replace("\\'", "'").split("\n", 1)[0]
            return "probe", "answer", f"HTTP {found.group(1)}", normalise(first)
    if fault and " was reported as " in check:  # "an upstream stream cut midway was reported as response.completed"
        return "probe", "fault", check.split(" was ", 1)[1], ""
    return "probe", "check", "", normalise(check)


@dataclass(frozen=True)
class Defect:
    id: str
    key: DefectKey
    title: str
    level: Level
    targets: tuple[str, ...]
    probes: tuple[str, ...]  # (target/probe where several targets share it)
    occurrences: int  # the findings or failures it stands for
    evidence: str  # the first: cassette, exchange and place
    members: tuple[tuple[str, str], ...] = ()  # (target, probe) pairs it touches

    @property
    def reach(self) -> int:
        return len(self.probes)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "level": self.level.value,
            "targets": list(self.targets),
            "reach": {"probes": self.reach, "occurrences": self.occurrences},
            "probes": list(self.probes),
            "evidence": self.evidence,
            "rule": self.key[1],
            "where": self.key[2],
            "received": self.key[3],
        }

    def line(self) -> str:
        """`D-1a2b3c MUST  streamed response snapshots omit required fields: error, ... · 31 probes (2 targets)`"""
        where = f" ({len(self.targets)} targets)" if len(self.targets) > 1 else ""
        return f"{self.id} {self.level.value:<6} {self.title} · {self.reach} probes{where}"


def _subject(rule: str, where: str) -> str:
    """Where a wire defect is, in words: `streamed response snapshots`, `Response $.output[*].namespace` ..."""
    kind, _, path = where.partition(" ") if not where.startswith("$") else ("", "", where)
    if rule == "schema.event" or (kind and rule.startswith(("echo.", "schema."))):
        if kind == "response.*":
            snapshot = path.removeprefix("$.response")
            return "streamed response snapshots" + (f" at `{snapshot.lstrip('.')}`" if snapshot else "")
        return f"`{kind}` events" + (f" at `{path}`" if path and path != "$" else "")
    if rule.startswith("schema."):
        name = rule.removeprefix("schema.")
        return f"{name} answers" + (f" at `{where}`" if where and where != "$" else "")
    return f"`{where}`" if where else "answers"


TITLE_MAX = 240  # a defect's title: one line of a report


def title(key: DefectKey, received: str = "", message: str = "") -> str:
    """A one-line title a maintainer understands, from the key and the first occurrence (as received)."""
    kind, rule, where, normalised = key
    received = received or normalised
    if kind == "probe":
        if rule == "answer":
            return f"answers {where} {normalised!r}"[:200]
        return normalised[:200]
    subject = _subject(rule, where)
    typed = NOT_OF_TYPE.match(received)
    if typed and rule.startswith("schema."):
        return f"{subject}: {_kind(typed['value'])} where the schema wants {typed['types']}"
    if rule == "sse.event_name":
        return "SSE events without an `event:` line naming their type"
    if rule == "error.envelope":
        return f"{message}; received {received}"[:200]
    if rule.startswith("echo."):
        asked = rule.removeprefix("echo.")
        return f"{subject}: `{asked}` not echoed as asked (received {received})"[:200]
    text = message or rule
    return f"{subject}: {text}" + (f" (received {received})" if received else "")


def _evidence(verdict: Verdict, finding: Finding | None) -> str:
    if finding is None:
        return verdict.cassette
    where = f", {finding.where}" if finding.where else ""
    return f"{verdict.cassette}, exchange {finding.exchange}{where}"


@dataclass
class _Entry:
    level: Level
    evidence: str
    message: str
    received: str  # the first occurrence's, as received (titles show it; the key holds it normalised)
    members: list[tuple[str, str]]  # (target, probe)
    occurrences: int = 0
    fields: list[str] | None = None  # for missing required fields: which, in the order first seen
    places: list[str] | None = None  # for missing required fields: where
    causes: list[str] = field(default_factory=list)  # derived from the upstream journals (harness/derive)

    def touch(self, verdict: Verdict, count: int) -> None:
        if (verdict.target, verdict.probe) not in self.members:
            self.members.append((verdict.target, verdict.probe))
        self.occurrences += count


# What the emulator sends for `faults.wrong_shape(_stream)`: `{"unexpected": true}` (emulators/faults.py). A gateway
# that passes it on as it was fails the fault probe; the judge's findings on that very body describe what the
# emulator sent, not how the gateway writes its own answers. A gateway that translates the stream writes its own
# events, and findings on those stay its own.
WRONG_SHAPE_MARK = '"' + next(iter(WRONG_SHAPE)) + '"'


def _passed_on(verdict: Verdict, finding: Finding) -> bool:
    """The finding is about the emulator's wrong-shaped body, which the gateway passed on untouched."""
    if not verdict.check:
        return False
    if verdict.probe == "faults.wrong_shape":  # the caller's 200 body is the upstream's (the check quotes it)
        return finding.rule.startswith("schema.") and WRONG_SHAPE_MARK in verdict.check_received
    return verdict.probe == "faults.wrong_shape_stream" and WRONG_SHAPE_MARK in finding.received  # that chunk


def _has_envelope_finding(verdict: Verdict) -> bool:
    """The verdict's error answer is already a defect of its own (not an OpenAI envelope): one defect, not two."""
    return any(f.rule == "error.envelope" for f in verdict.findings)


def _collect(verdicts: Sequence[Verdict]) -> dict[DefectKey, _Entry]:
    seen: dict[DefectKey, _Entry] = {}
    for verdict in verdicts:
        if verdict.outcome is Outcome.SKIP:
            continue
        if verdict.check:
            key = failure_key(verdict.check, verdict.check_received, fault=verdict.probe.startswith("faults."))
            if not (key[1] == "answer" and _has_envelope_finding(verdict)):
                entry = seen.setdefault(key, _Entry(verdict.level, _evidence(verdict, None), verdict.check, "", []))
                entry.causes += [c for c in verdict.causes if c not in entry.causes]
                entry.touch(verdict, 1)
        for finding in verdict.findings:
            if _passed_on(verdict, finding):
                continue  # the upstream's own broken body, passed on: the fault's failure is the defect
            found = finding_key(finding)
            if found is None:
                continue
            entry = seen.setdefault(
                found, _Entry(finding.level, _evidence(verdict, finding), finding.message, finding.received, [])
            )
            entry.touch(verdict, finding.count)
            if finding.level is Level.MUST:
                entry.level = Level.MUST
            match = REQUIRED.match(finding.received)
            status = STATUS.search(finding.message) if finding.rule == "error.envelope" else None
            name = match["field"] if match else finding.where.rsplit(".", 1)[-1] if found[3] == NULL_FIELDS else ""
            name = status.group(1) if status else name
            if name:
                entry.fields = entry.fields or []
                if name not in entry.fields:
                    entry.fields.append(name)
    return seen


def _merge_missing(seen: dict[DefectKey, _Entry]) -> dict[DefectKey, _Entry]:
    """Places that lack the same required fields are one defect: the same field set, wherever it is missing (a text
    part without `logprobs` in the answer, in its events and in the snapshots)."""
    out: dict[DefectKey, _Entry] = {}
    for key, entry in seen.items():
        if key[3] != MISSING_FIELDS or not entry.fields:
            out[key] = entry
            continue
        merged_key: DefectKey = ("wire", "schema", ",".join(sorted(entry.fields)), MISSING_FIELDS)
        merged = out.get(merged_key)
        if merged is None:
            out[merged_key] = _Entry(
                entry.level, entry.evidence, entry.message, "", list(entry.members), entry.occurrences,
                list(entry.fields), [_subject(key[1], key[2])],
            )  # fmt: skip
            continue
        merged.members += [m for m in entry.members if m not in merged.members]
        merged.occurrences += entry.occurrences
        merged.places = [*(merged.places or []), _subject(key[1], key[2])]
        if entry.level is Level.MUST:
            merged.level = Level.MUST
    return out


def _listed(fields: Sequence[str]) -> str:
    return ", ".join(f"`{f}`" for f in fields[:6]) + (f" and {len(fields) - 6} more" if len(fields) > 6 else "")


def _missing_title(fields: Sequence[str], places: Sequence[str]) -> str:
    shown = _listed(fields)
    where = ", ".join(places[:3]) + (f" and {len(places) - 3} more places" if len(places) > 3 else "")
    return f"{where} omit required {'field' if len(fields) == 1 else 'fields'} {shown}"


def group(verdicts: Sequence[Verdict]) -> list[Defect]:
    """The run's distinct defects, each once with every target that shows it; MUST first, then by reach."""
    defects = []
    for key, entry in _merge_missing(_collect(verdicts)).items():
        targets = tuple(dict.fromkeys(t for t, _ in entry.members))
        several = len(targets) > 1
        if key[3] == MISSING_FIELDS and entry.places:
            text = _missing_title(entry.fields or [], entry.places)
        elif key[1] == "error.envelope":
            statuses = "/".join(sorted(entry.fields or [])) or "error"
            text = f"HTTP {statuses} answers are not OpenAI error envelopes: {key[3]} (first: {entry.received[:80]})"
        elif key[1] == "fault":
            faults = _listed([p.removeprefix("faults.") for p in dict.fromkeys(p for _, p in entry.members)])
            text = f"upstream faults {key[2]}, not as the fault requires: {faults}"
        elif key[3] == NULL_FIELDS:
            text = f"{_subject(key[1], key[2])}: null for {_listed(entry.fields or [])} (a value or no field, not null)"
        else:
            text = title(key, entry.received, entry.message)
        if entry.causes:
            # The journal's causes kept whole where they fit: the title shortened first, to one line of TITLE_MAX.
            cause = f" (upstream journal: {'; '.join(entry.causes[:2])})"[: TITLE_MAX // 2]
            room = TITLE_MAX - len(cause)
            text = (text if len(text) <= room else text[: room - 1] + "…") + cause
        elif len(text) > TITLE_MAX:
            text = text[: TITLE_MAX - 1] + "…"
        defects.append(
            Defect(
                defect_id(key),
                key,
                text,
                entry.level,
                targets,
                tuple(f"{t}/{p}" if several else p for t, p in entry.members),
                entry.occurrences,
                entry.evidence,
                tuple(entry.members),
            )
        )
    rank = {Level.MUST: 0, Level.SHOULD: 1, Level.MAY: 2}
    return sorted(defects, key=lambda d: (rank[d.level], -d.reach, -d.occurrences, d.id))


def assign(verdicts: Sequence[Verdict], defects: Sequence[Defect]) -> list[Verdict]:
    """The verdicts, each naming the defects it shows (its cell then reads "works · 2 defects")."""
    by_member: dict[tuple[str, str], list[str]] = {}
    for defect in defects:
        for member in defect.members:
            by_member.setdefault(member, []).append(defect.id)
    return [replace(v, defects=tuple(by_member.get((v.target, v.probe), ()))) for v in verdicts]
