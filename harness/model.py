"""The nouns every part of the harness shares: levels, expectations, outcomes, probes, findings, verdicts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

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


class Outcome(StrEnum):
    PASS = "pass"
    PASS_REJECTED = "pass-rejected"
    NON_STRICT = "non-strict"
    FAIL = "fail"
    SKIP = "skip"


class Strictness(StrEnum):
    """Which reading of the wire the judge applies (see schemas/README.md)."""

    SDK = "sdk"
    OPENAI = "openai"
    OPENRESPONSES = "openresponses"


class ProbeFailure(Exception):
    """Raised by a probe when the gateway broke the requirement."""

    def __init__(self, message: str, *, expected: str = "", received: str = "", where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.received = received
        self.where = where


class ProbeSkip(Exception):
    """Raised by a probe that cannot run against this target (e.g. a prerequisite is missing)."""


ProbeRun = Callable[["ProbeContext"], Awaitable[Observed]]


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


@dataclass
class Verdict:
    target: str
    probe: str
    level: Level
    outcome: Outcome
    message: str = ""
    requirement: str = ""
    expected: str = ""
    received: str = ""
    where: str = ""
    cassette: str = ""
    duration_ms: int = 0
    findings: list[Finding] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
