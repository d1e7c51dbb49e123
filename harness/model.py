"""The nouns every part of the harness shares: levels, expectations, outcomes, probes, findings, verdicts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.context import ProbeContext


class Level(StrEnum):
    """How binding a requirement is (RFC 2119 words, as h2spec uses them)."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


class Profile(StrEnum):
    """How the target routes `/v1/responses`."""

    NATIVE = "native"
    CHAT_TRANSLATED = "chat-translated"


class Expect(StrEnum):
    """What a target is expected to do with a feature."""

    SUPPORTED = "supported"
    REJECTED = "rejected"
    EITHER = "either"


class Observed(StrEnum):
    """What a probe saw the gateway do, once it has convinced itself the behaviour is genuine."""

    SUPPORTED = "supported"
    REJECTED = "rejected"


class Behaviour(StrEnum):
    """What the probe's own check concluded, apart from the wire judge's findings."""

    WORKS = "works"  # the feature did what the request asked, for real
    REJECTED = "rejected"  # a clean 4xx/501 OpenAI error envelope (naming the feature where the probe asks)
    BROKEN = "broken"  # the check failed: wrong answer, unclean rejection, an error, unreachable, no cassette
    SKIPPED = "skipped"  # the probe did not apply, or did not run


@dataclass(frozen=True)
class Rejection:
    """The evidence of a clean rejection, as `ctx.rejected(...)` returns it: the status and the error envelope."""

    status: int
    message: str
    type: str = ""
    code: str | None = None
    param: str | None = None

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.message!r}" + (f" (code {self.code})" if self.code else "")


class Outcome(StrEnum):
    PASS = "pass"
    PASS_REJECTED = "pass-rejected"
    NON_STRICT = "non-strict"
    FAIL = "fail"
    SKIP = "skip"
    # A real model did not do what the probe's prompt asked, and the upstream journal proves the gateway passed the
    # request on intact and the model's answer back: the model's doing, not the gateway's (harness/model_limits.py).
    MODEL_LIMITED = "model-limited"


# vcrpy's record modes, as the CLI and harness.cassettes take them (here so the CLI's parser imports no vcrpy).
RECORD_MODES = ("none", "once", "new_episodes", "all")


class Strictness(StrEnum):
    """Which reading of the wire the judge applies (see schemas/README.md)."""

    SDK = "sdk"
    OPENAI = "openai"
    OPENRESPONSES = "openresponses"


# ProbeContext.rejected's failure when a status was right but the body is no OpenAI error envelope; harness/defects.py
# keys a fault probe's failure by it.
NOT_AN_ENVELOPE = "the rejection is not an OpenAI error envelope"


class ProbeFailure(Exception):
    """Raised by a probe when the gateway broke the requirement."""

    def __init__(self, message: str, *, expected: str = "", received: str = "", where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.received = received
        self.where = where


class ModelDeviation(ProbeFailure):
    """Raised by a check that holds only if the model does what the prompt asks (says the word, calls the tool,
    remembers the code word). The scripted model always does, so on the emulated upstreams it is a failure like any
    other; with a real model behind the gateway it is `model-limited` where the journal proves the gateway intact."""


class ProbeSkip(Exception):
    """Raised by a probe that cannot run against this target (e.g. a prerequisite is missing)."""


# What a probe returns: Observed.SUPPORTED, or the Rejection that ctx.rejected(...) checked.
Observation = Observed | Rejection
ProbeRun = Callable[["ProbeContext"], Awaitable[Observation]]


def id_matches(probe_id: str, pattern: str) -> bool:
    """The one matcher for probe selection (`--probe`, `--exclude`) and a target's `exclude`: an exact ID, a dotted
    prefix (`responses.hosted` or `responses.hosted.`), or a glob (`responses.*.text`, `errors.auth.*`)."""
    if any(ch in pattern for ch in "*?["):
        return fnmatchcase(probe_id, pattern)
    return probe_id == pattern or probe_id.startswith(pattern.rstrip(".") + ".")


@dataclass(frozen=True)
class Probe:
    """One conformance check.

    `feature` names what a target may declare `supported`, `rejected` or `either` for; `expect` is the default
    expectation per profile. `run` performs the requests through `ctx` and returns what it observed, or raises
    `ProbeFailure` / `ProbeSkip`. The runner turns (expectation, observation, wire findings) into a verdict.
    """

    id: str
    requirement: str
    level: Level
    feature: str
    expect: Mapping[Profile, Expect]
    run: ProbeRun
    tags: tuple[str, ...] = ()
    # The pass condition needs the emulated upstreams' scripted model (a phrase a real model would not say, a fault
    # injected by model name): a target with `real_model: true` skips the probe, saying so, rather than failing it.
    needs_emulator: bool = False

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def group(self) -> str:
        return ".".join(self.id.split(".")[:2])


@dataclass(frozen=True)
class Finding:
    """One thing the wire judge found wrong in a recorded exchange."""

    rule: str
    level: Level
    message: str
    exchange: int = -1
    where: str = ""
    expected: str = ""
    received: str = ""
    # A synthetic finding standing for `elided` further findings of the same rule and level that are not listed.
    elided: int = 0
    # How many findings with this one's signature (harness/judge/signature.py) it stands for: the first is listed.
    repeats: int = 1

    @property
    def count(self) -> int:
        """How many deviations this entry stands for (its repeats, or the number elided)."""
        return self.elided or self.repeats


@dataclass(frozen=True)
class Verdict:
    """One probe's outcome on one target, made once by `harness.runner.verdict` from what the probe observed and what
    the wire judge found (`harness.defects.assign` gives a copy naming its defects); never changed afterwards."""

    target: str
    probe: str
    level: Level
    outcome: Outcome
    message: str = ""
    behaviour: Behaviour = Behaviour.WORKS
    requirement: str = ""
    expected: str = ""
    received: str = ""
    where: str = ""
    cassette: str = ""
    duration_ms: int = 0
    findings: tuple[Finding, ...] = ()
    rejection: Rejection | None = None
    # What the target expected of the probe's feature (supported, rejected, either), as judged.
    expectation: str = ""
    # The probe's own check, when it failed (before any wire finding was weighed): what it said, and what it received.
    check: str = ""
    check_received: str = ""
    # The ids of the defects this verdict shows (harness/defects.py): its own failure's and its findings'.
    defects: tuple[str, ...] = ()
    # What the upstream journal shows the gateway did to the failed request (harness/derive): "`tool_choice` dropped".
    causes: tuple[str, ...] = ()

    @property
    def deviations(self) -> int:
        """Wire findings, counting the elided ones."""
        return sum(f.count for f in self.findings)

    @property
    def should_deviations(self) -> int:
        return sum(f.count for f in self.findings if f.level is not Level.MUST)

    @property
    def label(self) -> str:
        """Both axes in words: the behaviour, and the distinct defects it shows ("works · 2 defects"; the wire
        deviations where no defect was named), so a probe whose feature works is never shown as a bare failure."""
        if self.defects:
            n = len(self.defects)
            return f"{self.behaviour.value} · {n} defect{'s' if n != 1 else ''}"
        n = self.deviations
        if not n:
            return self.behaviour.value
        return f"{self.behaviour.value} · {n} wire deviation{'s' if n != 1 else ''}"
