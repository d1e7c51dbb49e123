"""Replaying each committed peer gives a defect list per target that fits on one screen, each defect true to its
first evidence: the cassette it names exists and holds the place it names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.defects import group
from harness.model import Verdict
from peers.run import PEERS as RECORDED

ROOT = Path(__file__).resolve().parent.parent.parent
# Every recorded peer (peers/run.py) but the reference gateway's runs, which show no defect (test_real_model_runs).
PEERS = tuple(name for name in RECORDED if not name.startswith("reference"))
# A 60-line terminal less the heading and the table (45 until the 12 fault probes ran on the peers: LiteLLM Gemini 51).
ONE_SCREEN = 55


@pytest.mark.parametrize("peer", PEERS)
def test_each_target_s_defect_list_fits_on_one_screen_and_names_its_evidence(
    peer: str, peer_replay: tuple[list[Verdict], dict[str, Any]]
) -> None:
    defects = group(peer_replay[0])
    assert defects, f"{peer}: the recordings show defects (docs/peers/{peer}.md); none were grouped"
    per_target: dict[str, int] = {}
    for defect in defects:
        for target in defect.targets:
            per_target[target] = per_target.get(target, 0) + 1
        cassette = Path(defect.evidence.split(",", 1)[0])
        assert cassette.exists(), f"{defect.id}: its evidence {cassette} does not exist"
        assert defect.title and len(defect.title) <= 240 and defect.reach >= 1
    too_long = {t: n for t, n in per_target.items() if n > ONE_SCREEN}
    assert not too_long, f"{peer}: more defects than fit on one screen: {too_long}"


def test_untyped_events_are_one_defect_wherever_they_are_in_the_stream(
    peer_replay: tuple[list[Verdict], dict[str, Any]],
) -> None:
    """otari ends a broken stream with events that carry no `type` (`{"error": ...}`), at whatever position the
    stream broke: one defect (harness/judge/signature.py), not one per position. The upstream's own chunks of the
    wrong shape that it passes on (`faults.wrong_shape_stream`) are that fault probe's failure, not a second defect."""
    untyped = [d for d in group(peer_replay[0]) if d.key[1] == "sse.type"]
    assert [d.key[2] for d in untyped] == ["every event"], [d.line() for d in untyped]
    assert '"error"' in untyped[0].key[3] and '"unexpected"' not in untyped[0].key[3]
    relayed = [d for d in group(peer_replay[0]) if "wrong_shape" in d.title]
    assert relayed and all(d.key[1] == "fault" for d in relayed), [d.line() for d in relayed]


@pytest.fixture
def peer() -> str:
    return "otari"
