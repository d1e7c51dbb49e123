"""Causes derived from the evidence: what a gateway dropped, changed, added or translated between its client and the
upstream, and what of the upstream's answer never reached the client.

Pure functions over what a probe kept: the client's exchanges (`harness.wire.load_exchanges(cassette)`) and the
emulated upstreams' journal of the same probe (`harness.upstream_journal.load(cassette)`, None when the probe kept
none). Each client request to `/responses` is paired with the upstream request(s) it caused (pairing.py), both are
read through their protocol's table (views.py: Responses, Chat Completions, Anthropic Messages, Gemini), and compared
field by field (compare.py); the upstream's answer is recomputed from the journaled request (answers.py).

    derive(exchanges, journal)        -> list[Cause]
    derivation(exchanges, journal)    -> Derivation (the causes, the client fields that arrived, the models)
    derive_cassette(cassette)         -> list[Cause]   (loads both; the only function here that reads files)
    significant(causes)               -> list[Cause]   (without translations and the fields a protocol requires)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import upstream_journal
from harness.derive.compare import chain_of, compare
from harness.derive.model import Cause, Kind, Setting, Turn, View
from harness.derive.pairing import Pair, pair
from harness.derive.views import REQUIRED
from harness.wire import Exchange, load_exchanges

__all__ = [
    "Cause",
    "Derivation",
    "Kind",
    "Pair",
    "Setting",
    "Turn",
    "View",
    "derivation",
    "derive",
    "derive_cassette",
    "pair",
    "significant",
]

NO_JOURNAL = "no upstream journal was kept for this probe: what the upstream received is unknown"


@dataclass(frozen=True)
class Derivation:
    """`causes` in the order of the client's requests; `arrived`, the client's fields (the `field` paths a Cause
    would name) that reached the upstream, verbatim or translated; `models`, every model name the client sent and
    the upstream received for them."""

    causes: tuple[Cause, ...]
    arrived: frozenset[str] = frozenset()
    models: frozenset[str] = frozenset()
    journal: bool = True
    pairs: tuple[Pair, ...] = field(default=(), compare=False)

    def of(self, kind: Kind | str) -> list[Cause]:
        return [c for c in self.causes if c.kind == kind]


def derivation(
    exchanges: Sequence[Exchange], journal: Sequence[Mapping[str, Any]] | None, *, upstream_model: str | None = None
) -> Derivation:
    """Derive everything; `upstream_model` names the route's upstream model when the journal may hold other
    routes' requests of the same client model (otherwise it is inferred, see pairing.route_entries)."""
    if journal is None:
        return Derivation((Cause(Kind.NO_JOURNAL, "journal", NO_JOURNAL),), journal=False)
    causes: list[Cause] = []
    arrived: set[str] = set()
    models: set[str] = set()
    pairs = pair(exchanges, journal, upstream_model)
    for i, paired in enumerate(pairs):
        models |= {m for m in (paired.client.model, *(v.model for _, v in paired.entries)) if m}
        if not paired.entries:
            text = f"no request reached the upstream (the client got {paired.exchange.status})"
            causes.append(
                Cause(Kind.NO_UPSTREAM_CALL, "request", text, paired.exchange.status, None, paired.exchange.index)
            )
            continue
        chain = chain_of(paired.exchange, [p.exchange for p in pairs[:i]])
        found, reached = compare(paired, chain)
        causes += found
        arrived |= reached
    return Derivation(tuple(causes), frozenset(arrived), frozenset(models), True, tuple(pairs))


def derive(
    exchanges: Sequence[Exchange], journal: Sequence[Mapping[str, Any]] | None, *, upstream_model: str | None = None
) -> list[Cause]:
    """The causes: what the gateway dropped, changed, added or translated, what did not come back, which requests
    reached no upstream, or that there is no journal to say."""
    return list(derivation(exchanges, journal, upstream_model=upstream_model).causes)


def significant(causes: Sequence[Cause]) -> list[Cause]:
    """The causes a maintainer acts on: all but translations (the model alias included) and the settings the
    upstream's protocol requires, which the gateway had to add (Anthropic's `max_tokens`)."""
    return [
        c
        for c in causes
        if c.kind != Kind.TRANSLATED
        and not (c.kind == Kind.ADDED and c.field in REQUIRED.get(str(c.protocol), frozenset()))
    ]


def derive_cassette(cassette: Path, *, upstream_model: str | None = None) -> list[Cause]:
    """`derive` over a cassette and the journal beside it (none beside it: a `no_journal` cause)."""
    journal = upstream_journal.load(cassette) if upstream_journal.journal_path(cassette).exists() else None
    return derive(load_exchanges(cassette), journal, upstream_model=upstream_model)
