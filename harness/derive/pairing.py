"""Which upstream requests each client request caused.

A client request to `/responses` is paired with the journal's generation requests (harness/derive/views.py,
`generation_protocol`) of the route's upstream model, in order: the first upstream request a client request caused
carries its last user text (or is the same request streamed alike), and the requests after it that carry no other
user text are the gateway's own follow-ups (a tool loop of its own, a retry). Entries of other models (other targets
probed at the same time) are left out. The pairing maximises agreement over the whole probe, so that a client
request the gateway answered by itself gets no entry rather than its neighbour's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from harness.derive.model import View
from harness.derive.views import responses_view, upstream_view
from harness.wire import Exchange

Entry = Mapping[str, Any]


@dataclass(frozen=True)
class Pair:
    exchange: Exchange
    client: View
    entries: tuple[tuple[Entry, View], ...]


def client_requests(exchanges: Sequence[Exchange]) -> list[Exchange]:
    """The client's `POST .../responses` requests with a JSON object body, in order."""
    return [
        x
        for x in exchanges
        if x.method == "POST" and x.path.rstrip("/").endswith("/responses") and isinstance(x.request_json, Mapping)
    ]


def _squash(text: str) -> str:
    return " ".join(text.split())


def last_user_text(view: View) -> str:
    return next((_squash(t.text) for t in reversed(view.turns) if t.role == "user" and t.text.strip()), "")


def _kin(client: str, upstream: str) -> int:
    """How surely an upstream model name is the one a client's model name routes to: the same name (3); the
    client's `provider/name` or an alias the name extends, `claude-sonnet` -> `claude-sonnet-4-20250514` (2); the
    same family, `gemini-flash` -> `gemini-2.0-flash` (1); else 0."""
    if client == upstream:
        return 3
    bare = client.rpartition("/")[2]
    if bare == upstream or upstream.startswith(bare) or bare.startswith(upstream):
        return 2
    return 1 if re.split(r"[-_.:\d]+", bare)[0] == re.split(r"[-_.:\d]+", upstream)[0] else 0


def route_entries(
    journal: Sequence[Entry], client_models: set[str], upstream_model: str | None = None
) -> list[tuple[Entry, View]]:
    """The journal's generation requests for this route: of `upstream_model` when given; else of the upstream
    model names closest to the client's (`_kin`), else of the model most of them name."""
    viewed = [(entry, view) for entry in journal if (view := upstream_view(entry)) is not None]
    models = Counter(view.model for _, view in viewed if view.model is not None)
    kinship = {model: max((_kin(ours, model) for ours in client_models), default=0) for model in models}
    closest = max(kinship.values(), default=0)
    wanted = {m for m, k in kinship.items() if k == closest} if closest else {m for m, _ in models.most_common(1)}
    if upstream_model is not None:
        wanted = {upstream_model}
    return [(entry, view) for entry, view in viewed if view.model in wanted]


def _matches(client_key: str, entry_key: str) -> bool:
    return bool(client_key) and client_key in entry_key


def pair(exchanges: Sequence[Exchange], journal: Sequence[Entry], upstream_model: str | None = None) -> list[Pair]:
    """Every client request to /responses with the upstream requests it caused (possibly none)."""
    clients = client_requests(exchanges)
    views = [responses_view(x.request_json) for x in clients]
    entries = route_entries(journal, {v.model for v in views if v.model is not None}, upstream_model)
    client_keys = [last_user_text(v) for v in views]
    entry_keys = [last_user_text(view) for _, view in entries]

    def first(i: int, j: int) -> float | None:
        entry, view = entries[j]
        if _matches(client_keys[i], entry_keys[j]):
            score = 4.0
        elif not client_keys[i] or not entry_keys[j]:
            score = 1.0
        else:
            return None
        if bool(views[i].settings.get("stream")) == bool(view.settings.get("stream")):
            score += 1.0
        if (clients[i].status < 400) == (entry.get("status") == 200):
            score += 0.5
        return score

    def follow_up(i: int, last: int, j: int) -> float | None:
        # The gateway's own next request: a retry of one that failed, or the conversation carried further (its tool
        # loop). Anything else is another client's (a target probed alongside, another probe).
        (previous, before), (entry, view) = entries[last], entries[j]
        retry = previous.get("status") != 200 and previous.get("body") == entry.get("body")
        further = len(view.turns) > len(before.turns)
        return 0.5 if (retry or further) and (not entry_keys[j] or _matches(client_keys[i], entry_keys[j])) else None

    @cache
    def best(i: int, j: int, last: int) -> tuple[float, tuple[tuple[int, int], ...]]:
        """The best score for clients i.. and entries j.. (`last`: the entry client i took last, or -1), with the
        (client, entry) assignments that give it."""
        if i == len(clients) or j == len(entries):
            return 0.0, ()
        options = []
        score = follow_up(i, last, j) if last >= 0 else first(i, j)
        if score is not None:
            rest, assigned = best(i, j + 1, j)
            options.append((score + rest, ((i, j), *assigned)))
        options += [best(i + 1, j, -1), best(i, j + 1, last)]
        return max(options, key=lambda option: option[0])  # ties: the earliest client takes the entry

    assigned = best(0, 0, -1)[1]
    return [Pair(x, views[i], tuple(entries[j] for ci, j in assigned if ci == i)) for i, x in enumerate(clients)]
