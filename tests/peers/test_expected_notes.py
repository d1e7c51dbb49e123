"""The explanations committed in peers/<peer>/expected.yaml agree with the evidence (harness/derive): a note about a
fail or non-strict verdict whose cassette has an upstream journal may not say that something was dropped which
arrived (verbatim or translated), name a model the route does not use, say a request went upstream when the journal
is empty, credit a stand-in tool that was never added, call a failed tool run a run, count calls that did not come
back, or place in one answer a field every answer carries. A `cause:` line holds derived causes only, each word for
word. The old, wrong texts are kept below as cases that must fail."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import upstream_journal
from harness.derive import Derivation, Kind, derivation
from harness.derive.answers import client_outputs, client_response
from harness.derive.views import family
from harness.wire import Exchange, load_exchanges
from peers.run import PEERS as RECORDED

ROOT = Path(__file__).resolve().parent.parent.parent
PEERS = tuple(RECORDED)  # every recorded peer (peers/run.py)
NOTE_KEYS = ("defect", "false_positive", "cause")


@dataclass(frozen=True)
class Evidence:
    exchanges: tuple[Exchange, ...]
    journal: tuple[Mapping[str, Any], ...]
    derived: Derivation


@cache
def evidence(peer: str, target: str, probe: str) -> Evidence | None:
    """What the probe kept, derived; None when it kept no journal (nothing to check a note against)."""
    path = ROOT / "cassettes" / "peers" / peer / target / f"{probe}.yaml"
    if not path.exists() or not upstream_journal.journal_path(path).exists():
        return None
    exchanges, journal = load_exchanges(path), upstream_journal.load(path)
    return Evidence(tuple(exchanges), tuple(journal), derivation(exchanges, journal))


def notes() -> Iterator[tuple[str, str, str, str, str]]:
    for peer in PEERS:
        expected = yaml.safe_load((ROOT / "peers" / peer / "expected.yaml").read_text())
        for target, probes in expected["targets"].items():
            for probe, entry in probes.items():
                if isinstance(entry, dict) and entry.get("outcome") in ("fail", "non-strict"):
                    for key in NOTE_KEYS:
                        if entry.get(key):
                            yield peer, target, probe, key, str(entry[key])


# the rules ----------------------------------------------------------------------------------------------------------
NEGATIVE = re.compile(
    r"(?:silently )?dropped|not passed on|(?:did not|never) reach(?:es)? the upstream|no such tool reached the upstream"
    r"|carries no|never sent upstream"
)
BACK = re.compile(r"on the way back|(?:reach|reached|reaches) the client|to the client")
SUBJECTS: dict[str, re.Pattern[str]] = {
    "parallel_tool_calls": re.compile(r"\bparallel_tool_calls\b"),
    "tool_choice": re.compile(r"\btool_choice\b"),
    "text.verbosity": re.compile(r"\bverbosity\b"),
    "metadata": re.compile(r"\bmetadata\b"),
    "instructions": re.compile(r"\binstructions\b"),
    "history": re.compile(r"\bearlier turn|\bhistory\b|\bprevious turns?\b"),
}
TOOL = re.compile(r"\b(web_search_preview|web_search|file_search|computer_use_preview|googleSearch|google_search)\b")
SUCH_TOOL = re.compile(r"no such tool|the (?:hosted )?tool\b")
MODEL = re.compile(r"\b(?:gpt-[\w.-]+|claude-[\w.-]+|gemini-[\w.-]+|llama-(?!stack)[\w.-]+|o\d-[\w-]+)")
UPSTREAM_CLAIM = re.compile(
    r"(?<!no such tool )(?<!never )(?<!nothing )goes upstream|went upstream|fails there"
    r"|the upstream(?:'s)? (?:answers|answered|refused|refuses|got|receives|received)"
)
STAND_IN = re.compile(r"stand-in|adds upstream|added upstream|a function tool it adds")
RUNS = re.compile(r"\b(file_search|web_search|computer_use_preview|the tools? themselves)\b[^.;]{0,40}?\b(runs|ran)\b")
CALLS_BACK = re.compile(r"\b(one|two|three|\d+) calls? (?:come|came|comes) back")
ONE_OF_THEM = re.compile(r"`([\w.]+)` (?:to|in) (?:only )?one of them")
NUMBERS = {"one": 1, "two": 2, "three": 3}


def _clauses(note: str) -> list[str]:
    """A note in clauses: a claim and its subject stay in one (`field: value` keeps its colon)."""
    return [c for c in re.split(r";|, and |, but | but |\(|\)|\. ", note) if c.strip()]


def _subjects(clause: str, derived: Derivation) -> set[str]:
    """The client fields a clause speaks of, as derivation fields (`tools[web_search_preview]`, `history`)."""
    unknown_items = {
        f"input[{i}]" for p in derived.pairs for i, turn in enumerate(p.client.turns) if turn.kind != "message"
    }
    fields = {name for name, pattern in SUBJECTS.items() if pattern.search(clause)}
    sent = derived.arrived | {c.field for c in derived.causes}
    tools = {f for f in sent if f.startswith("tools[")}
    families = {family(name) for name in TOOL.findall(clause)}
    fields |= {f for f in tools if family(f[6:-1]) in families}
    if SUCH_TOOL.search(clause) and not families:
        fields |= tools
    if re.search(r"\binput items? of an unknown type", clause):
        fields |= {f for f in sent if f in unknown_items}
    return fields


def _arrived_but_called_dropped(note: str, ev: Evidence) -> list[str]:
    found = []
    for clause in _clauses(note):
        claims = [m for m in NEGATIVE.finditer(clause) if not BACK.search(clause[m.end() : m.end() + 40])]
        if not claims:
            continue
        dropped = {c.field for c in ev.derived.causes if c.kind in (Kind.DROPPED, Kind.CHANGED)}
        for field in sorted(_subjects(clause, ev.derived)):
            if field in ev.derived.arrived and field not in dropped:
                how = [c.text for c in ev.derived.causes if c.field == field and c.kind == Kind.TRANSLATED]
                found.append(
                    f"says {field} did not reach the upstream, but it arrived" + (f": {how[0]}" if how else "")
                )
    return found


def _wrong_model(note: str, ev: Evidence) -> list[str]:
    models = ev.derived.models
    if not models:
        return []
    named = [m.rstrip(".,…") for m in MODEL.findall(note)]
    return [
        f"names the model {name}, but this route's models are {sorted(models)}"
        for name in named
        if not any(m.startswith(name) or name.startswith(m) for m in models)
    ]


def _upstream_claim_without_journal(note: str, ev: Evidence) -> list[str]:
    claim = UPSTREAM_CLAIM.search(note)
    if ev.journal or claim is None:
        return []
    return [f"says the request went upstream ({claim.group(0)!r}), but the journal has no entry"]


def _stand_in_never_added(note: str, ev: Evidence) -> list[str]:
    if not STAND_IN.search(note):
        return []
    if any(c.kind in (Kind.ADDED, Kind.CHANGED) and c.field.startswith("tools[") for c in ev.derived.causes):
        return []
    return ["says the gateway added a stand-in tool upstream, but the journal shows no tool it added"]


def _failed_run_called_a_run(note: str, ev: Evidence) -> list[str]:
    if not RUNS.search(note):
        return []
    failed = [o for x in ev.exchanges for o in client_outputs(x) if o.type.endswith("_call") and o.status == "failed"]
    return [f"says the tool ran, but its `{o.type}` has status `failed`" for o in failed]


def _calls_that_did_not_come_back(note: str, ev: Evidence) -> list[str]:
    match = CALLS_BACK.search(note)
    if not match:
        return []
    said = NUMBERS.get(match.group(1)) or int(match.group(1))
    got = [sum(o.type == "function_call" for o in client_outputs(x)) for x in ev.exchanges]
    return [] if said in got else [f"says {said} calls came back, but the client got {got}"]


def _one_of_them(note: str, ev: Evidence) -> list[str]:
    found = []
    for name in ONE_OF_THEM.findall(note):
        answers = [r for r in (client_response(x) for x in ev.exchanges) if r is not None]
        carriers = [r for r in answers if name in r or name in (r.get("usage") or {})]
        if len(answers) > 1 and len(carriers) == len(answers):
            found.append(f"says `{name}` is in one answer only, but all {len(answers)} carry it")
    return found


def _cause_not_derived(key: str, note: str, ev: Evidence) -> list[str]:
    if key != "cause":
        return []
    texts = {c.text for c in ev.derived.causes}
    return [f"cause {part!r} is not derived from the evidence" for part in note.split("; ") if part not in texts]


RULES = (
    _arrived_but_called_dropped,
    _wrong_model,
    _upstream_claim_without_journal,
    _stand_in_never_added,
    _failed_run_called_a_run,
    _calls_that_did_not_come_back,
    _one_of_them,
)


def contradictions(peer: str, target: str, probe: str, key: str, note: str) -> list[str]:
    ev = evidence(peer, target, probe)
    if ev is None:
        return []
    return [*(problem for rule in RULES for problem in rule(note, ev)), *_cause_not_derived(key, note, ev)]


# the tests ----------------------------------------------------------------------------------------------------------
def test_no_committed_note_contradicts_the_evidence() -> None:
    wrong = [
        f"{target} {probe} {key}: {problem}"
        for peer, target, probe, key, note in notes()
        for problem in contradictions(peer, target, probe, key, note)
    ]
    assert not wrong, "notes in peers/*/expected.yaml that the evidence contradicts:\n" + "\n".join(wrong)


def test_the_notes_are_checked_against_journals() -> None:
    """The check is not vacuous: most explained verdicts have a journal to check against."""
    checked = [n for n in notes() if evidence(*n[:3]) is not None]
    assert len(checked) > 300


WEB_SEARCH_DROPPED = (
    "a hosted web_search tool is silently dropped: 200 with no web_search_call item, and no such tool reached the "
    "upstream"
)
STAND_IN_TEXT = (
    "the hosted tool is not rejected: LiteLLM runs its own stand-in (a function tool it adds upstream, see the "
    "journal) and answers 200, with wire deviations in the items"
)
NOT_PASSED_ON = "parallel_tool_calls: false is not passed on: two calls come back"
LLAMA_SNAPSHOTS = (
    "the stream's snapshots name the upstream model (llama-3.3-70b-versatile…) while the plain answer names the alias"
)
GOES_UPSTREAM = (
    "`input` of the wrong type goes upstream and fails there: a 500 (`'int' object is not iterable`), not a 400 "
    "naming input"
)
OLD_TEXTS = [
    ("litellm", "litellm-anthropic", "responses.hosted.web_search_preview", WEB_SEARCH_DROPPED),
    ("litellm", "litellm-gemini", "responses.hosted.web_search_preview", WEB_SEARCH_DROPPED),
    ("litellm", "litellm-gemini", "responses.hosted.web_search", WEB_SEARCH_DROPPED),
    ("litellm", "litellm-gemini", "agents.hosted_tool", WEB_SEARCH_DROPPED),
    ("litellm", "litellm-anthropic", "responses.hosted.web_search", STAND_IN_TEXT),
    ("litellm", "litellm-anthropic", "agents.hosted_tool", STAND_IN_TEXT),
    ("litellm", "litellm-groq", "responses.tools.parallel_false", NOT_PASSED_ON),
    ("litellm", "litellm-anthropic", "responses.tools.parallel_false", NOT_PASSED_ON),
    ("litellm", "litellm-anthropic", "responses.consistency.stream_vs_plain", LLAMA_SNAPSHOTS),
    ("litellm", "litellm-gemini", "responses.consistency.stream_vs_plain", LLAMA_SNAPSHOTS),
    ("litellm", "litellm-groq", "errors.request.type_input", GOES_UPSTREAM),
    ("litellm", "litellm-anthropic", "errors.request.type_input", GOES_UPSTREAM),
    ("litellm", "litellm-gemini", "errors.request.type_input", GOES_UPSTREAM),
    (
        "llamastack",
        "llamastack-openai-chat",
        "responses.hosted.file_search",
        "file_search runs (llama-stack's own tool, two chat calls in the journal) but the echoed tool has "
        "`ranking_options: null` (schema: an object)",
    ),
    (
        "litellm",
        "litellm-openai",
        "responses.consistency.stream_vs_plain",
        "usage differs in shape between stream and plain answer: LiteLLM adds `cost` to one of them",
    ),
]


@pytest.mark.parametrize(("peer", "target", "probe", "note"), OLD_TEXTS, ids=[f"{t[1]}-{t[2]}" for t in OLD_TEXTS])
def test_each_old_wrong_text_is_caught(peer: str, target: str, probe: str, note: str) -> None:
    assert contradictions(peer, target, probe, "defect", note)


def test_a_cause_line_must_be_derived_word_for_word() -> None:
    args = ("litellm", "litellm-anthropic", "responses.tools.parallel_false", "cause")
    assert not contradictions(
        *args, "`parallel_tool_calls: false` passed on as `tool_choice.disable_parallel_tool_use: true`"
    )
    assert contradictions(*args, "`parallel_tool_calls: false` dropped")
