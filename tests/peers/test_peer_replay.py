"""The real gateways' recordings (cassettes/peers/<peer>/) replay, offline, to the hand-checked verdicts of
peers/<peer>/expected.yaml: a harness change that turns a true defect into a pass, or a working feature into a fail,
shows here. Only the probes listed in expected.yaml are replayed (tests/peers/conftest.py, once per session), so probes
added to the catalogue later do not break this test until the peers are re-recorded (`tox -e peers`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import expectations
from harness.model import Verdict
from harness.probes import CATALOGUE
from harness.targets import load_targets_file
from peers.run import PEERS as RECORDED

ROOT = Path(__file__).resolve().parent.parent.parent
PEERS = tuple(RECORDED)  # every recorded peer (peers/run.py)
# The keys the peers' configurations and targets use: none may be in what is committed.
SECRETS = (
    "sk-upstream-openai",
    "gsk-upstream",
    "sk-ant-upstream",
    "gemini-upstream",
    "sk-litellm-master",
    "sk-otari-master",
    "gw-conformance-0000",  # otari's client key (peers/otari/launch.sh)
    "sk-upstream-real",  # the real model's key (real_model/front.py)
)


def _expected(peer: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "peers" / peer / "expected.yaml").read_text())


def _outcome(entry: Any) -> str:
    return str(entry["outcome"] if isinstance(entry, dict) else entry)


@pytest.mark.parametrize("peer", PEERS)
def test_the_recordings_replay_to_the_expected_verdicts(
    peer: str, peer_replay: tuple[list[Verdict], dict[str, Any]]
) -> None:
    known = expectations.load(ROOT / "peers" / peer / "expected.yaml")
    targets = {t.name for t in load_targets_file(ROOT / "peers" / peer / "targets.yaml")}
    unknown = [f"target {name} is not in peers/{peer}/targets.yaml" for name in known.targets if name not in targets]
    catalogue = {p.id for p in CATALOGUE}
    gone = [
        f"{t} {p}: no longer in the catalogue"
        for t, probes in known.targets.items()
        for p in probes
        if p not in catalogue
    ]
    # strict: a verdict that now passes, or an expected one that did not run (excluded by targets.yaml), differs too
    compared = expectations.compare(known, peer_replay[1]["results"], strict=True)
    differences = unknown + gone + [row.line() for row in compared.failures]
    assert not differences, (
        f"{peer}: {len(differences)} verdicts differ from peers/{peer}/expected.yaml:\n" + "\n".join(differences)
    )


@pytest.mark.parametrize("peer", PEERS)
def test_every_fail_is_explained(peer: str) -> None:
    unexplained = []
    for target_name, probes in _expected(peer)["targets"].items():
        for probe_id, entry in probes.items():
            if _outcome(entry) not in ("fail", "non-strict"):
                continue
            line = entry.get("defect") or entry.get("false_positive") if isinstance(entry, dict) else None
            if not line or str(line).startswith("TODO"):
                unexplained.append(f"{target_name} {probe_id}")
    assert not unexplained, f"{peer}: fails without a checked explanation in expected.yaml: {unexplained}"


def test_no_key_is_in_the_committed_recordings() -> None:
    leaks = []
    for path in sorted((ROOT / "cassettes" / "peers").rglob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            leaks += [f"{path.relative_to(ROOT)}: {secret}" for secret in SECRETS if secret in text]
    assert not leaks
