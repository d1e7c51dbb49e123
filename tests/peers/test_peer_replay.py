"""The real gateways' recordings (cassettes/peers/<peer>/) replay, offline, to the hand-checked verdicts of
peers/<peer>/expected.yaml: a harness change that turns a true defect into a pass, or a working feature into a fail,
shows here. Only the probes listed in expected.yaml are replayed, so probes added to the catalogue later do not
break this test until the peers are re-recorded (`tox -e peers`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.model import Strictness
from harness.probes import CATALOGUE
from harness.runner import run_all
from harness.targets import load_targets_file

ROOT = Path(__file__).resolve().parent.parent.parent
PEERS = ("litellm", "portkey", "llamastack")
# The keys the peers' configurations and targets use: none may be in what is committed.
SECRETS = ("sk-upstream-openai", "gsk-upstream", "sk-ant-upstream", "gemini-upstream", "sk-litellm-master")


def _expected(peer: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "peers" / peer / "expected.yaml").read_text())


def _outcome(entry: Any) -> str:
    return str(entry["outcome"] if isinstance(entry, dict) else entry)


@pytest.mark.parametrize("peer", PEERS)
def test_the_recordings_replay_to_the_expected_verdicts(peer: str) -> None:
    expected = _expected(peer)
    targets = {t.name: t for t in load_targets_file(ROOT / "peers" / peer / "targets.yaml")}
    catalogue = {p.id: p for p in CATALOGUE}
    differences = []
    for target_name, probes in expected["targets"].items():
        if target_name not in targets:
            differences.append(f"{peer}: target {target_name} is not in peers/{peer}/targets.yaml")
            continue
        gone = [probe_id for probe_id in probes if probe_id not in catalogue]
        differences += [f"{target_name} {probe_id}: no longer in the catalogue" for probe_id in gone]
        selected = [catalogue[probe_id] for probe_id in probes if probe_id in catalogue]
        verdicts = run_all(
            selected,
            [targets[target_name]],
            cassette_dir=ROOT / "cassettes" / "peers" / peer,
            replay=True,
            strictness=Strictness.OPENAI,
        )
        got = {v.probe: v for v in verdicts}
        for probe_id in (p.id for p in selected):
            want = _outcome(probes[probe_id])
            verdict = got.get(probe_id)
            outcome = verdict.outcome.value if verdict else "not run (excluded by targets.yaml)"
            if outcome != want:
                message = f" ({verdict.message})" if verdict and verdict.message else ""
                differences.append(f"{target_name} {probe_id}: expected {want}, got {outcome}{message}")
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
