"""Each peer's committed cassettes replayed once per session (peers/pages.py `replay`), shared by the tests that
compare the verdicts, group the defects and regenerate the pages."""

from __future__ import annotations

from typing import Any

import pytest

from harness.model import Verdict
from peers.pages import replay
from peers.run import PEERS


@pytest.fixture(scope="session")
def replayed() -> dict[str, tuple[list[Verdict], dict[str, Any]]]:
    """peer -> (verdicts, the report body the pages are made from), filled as each peer is first asked for."""
    return {}


@pytest.fixture
def peer_replay(
    replayed: dict[str, tuple[list[Verdict], dict[str, Any]]], peer: str
) -> tuple[list[Verdict], dict[str, Any]]:
    if peer not in replayed:
        replayed[peer] = replay(PEERS[peer])
    return replayed[peer]
