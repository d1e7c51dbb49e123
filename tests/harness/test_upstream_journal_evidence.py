"""The upstream's journal kept beside each probe's cassette when the target fronts the emulated upstreams."""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness.local import MASTER_KEY, reference_stack
from harness.probes import CATALOGUE
from harness.runner import run_probe
from harness.targets import load_targets_file
from harness.upstream_journal import journal_path, load


async def test_the_journal_of_a_probe_holds_what_the_upstream_received_and_no_secret(tmp_path: Path) -> None:
    os.environ.setdefault("GATEWAY_MASTER_KEY", MASTER_KEY)
    probe = next(p for p in CATALOGUE if p.id == "responses.basic.instructions")
    with reference_stack() as stack:
        target = next(
            t for t in load_targets_file("reference", base_url=stack.gateway) if t.name == "reference-anthropic"
        )
        target.upstream_journal = stack.upstreams
        verdict = await run_probe(probe, target, cassette_dir=tmp_path)
        # A second probe's journal holds only its own requests.
        again = await run_probe(probe, target, cassette_dir=tmp_path / "again")
    assert verdict.outcome.value == "pass", verdict
    entries = load(Path(verdict.cassette))
    assert entries and all(e["path"] == "/v1/messages" for e in entries), entries
    assert any("system" in (e.get("body") or {}) for e in entries), "the upstream's view shows the instructions arrived"
    text = journal_path(Path(verdict.cassette)).read_text()
    assert "sk-ant-upstream" not in text and "x-api-key" not in text.lower()
    assert len(load(Path(again.cassette))) == len(entries)
    assert [e["seq"] for e in load(Path(again.cassette))] != [e["seq"] for e in entries]


def test_no_journal_is_kept_for_a_target_that_names_none(tmp_path: Path) -> None:
    cassette = tmp_path / "x.yaml"
    assert load(cassette) == [] and not journal_path(cassette).exists()
    journal_path(cassette).write_text(json.dumps([{"seq": 1}]))
    assert load(cassette) == [{"seq": 1}]
