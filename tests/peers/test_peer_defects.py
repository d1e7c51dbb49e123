"""Replaying each committed peer gives a defect list per target that fits on one screen, each defect true to its
first evidence: the cassette it names exists and holds the place it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.defects import Defect, group
from harness.model import Strictness
from harness.probes import CATALOGUE
from harness.runner import run_all
from harness.targets import load_targets_file

ROOT = Path(__file__).resolve().parent.parent.parent
PEERS = ("litellm", "portkey", "llamastack")
ONE_SCREEN = 45  # lines a terminal shows at once, less the heading and the summary table


def _defects(peer: str) -> list[Defect]:
    targets = load_targets_file(ROOT / "peers" / peer / "targets.yaml")
    cassettes = ROOT / "cassettes" / "peers" / peer
    recorded = {p.stem.removesuffix(".yaml") for p in cassettes.rglob("*.yaml")}
    probes = [p for p in CATALOGUE if p.id in recorded]
    verdicts = run_all(probes, targets, jobs=1, cassette_dir=cassettes, replay=True, strictness=Strictness.OPENAI)
    return group(verdicts)


@pytest.mark.parametrize("peer", PEERS)
def test_each_target_s_defect_list_fits_on_one_screen_and_names_its_evidence(peer: str) -> None:
    defects = _defects(peer)
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
