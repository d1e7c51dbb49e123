"""The upstream's view of a probe: the emulated upstreams' request journal, read around each probe and kept beside
its cassette (`<probe-id>.journal.json`). What the upstream received is the best evidence of a silent drop.

Read outside the cassette, so the journal's own requests are never recorded. With `-j N > 1`, several targets share
one upstream, so a probe's entries may include other targets' requests made at the same time.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from harness.evidence import Paths

PATH = "/_journal"
AFTER_ALL = 2**62  # a `since` no entry reaches: the answer carries only the journal's newest `seq`


@cache
def _client() -> httpx.Client:
    # One client a process: a new one per read built an SSL context each time (23 ms, 1,200 reads a probe run).
    return httpx.Client(timeout=5)


def journal_path(cassette: Path) -> Path:
    return Paths(cassette).journal


def _read(url: str, since: int) -> dict[str, Any]:
    response = _client().get(url.rstrip("/") + PATH, params={"since": since})
    response.raise_for_status()
    body = response.json()
    return body if isinstance(body, dict) else {}


def _entries(url: str, since: int) -> list[dict[str, Any]]:
    data = _read(url, since).get("data")
    return list(data) if isinstance(data, list) else []


def mark(url: str) -> int | None:
    """The journal's newest sequence number now (the probe's entries come after it), or None if unreachable."""
    try:
        body = _read(url, AFTER_ALL)
        if isinstance(body.get("seq"), int):
            return int(body["seq"])
        entries = _entries(url, 0)  # a journal that does not say its `seq`: the newest entry's
    except (httpx.HTTPError, ValueError):
        return None
    return max((int(e.get("seq", 0)) for e in entries), default=0)


def keep(url: str, since: int, cassette: Path) -> int:
    """Write the entries after `since` beside the cassette; how many were kept (0 when unreachable)."""
    try:
        entries = _entries(url, since)
    except (httpx.HTTPError, ValueError):
        return 0
    journal_path(cassette).write_text(json.dumps({"data": entries}, indent=1) + "\n")
    return len(entries)


def load(cassette: Path) -> list[dict[str, Any]]:
    """The journal kept beside a cassette (empty when there is none)."""
    path = journal_path(cassette)
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    return list(data.get("data") or []) if isinstance(data, dict) else list(data)
