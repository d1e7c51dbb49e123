"""Cassettes: secrets never recorded; a recorded run replays to the same verdicts with nothing listening."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.model import Observed, Outcome, Profile, Strictness
from harness.probes import CATALOGUE, select
from harness.probes._registry import probe as declare
from harness.runner import run_all, run_probe
from harness.servers import serve_in_thread
from harness.targets import Target, load_targets_file
from harness.upstreams import create_app

SECRET = "sk-test-SECRETSECRETSECRET0123456789"
CASSETTES = Path(__file__).parent.parent.parent / "cassettes"


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    # The emulator speaks /v1/responses itself, so it is a correct native target.
    with serve_in_thread(create_app()) as running:
        yield running.url + "/v1"


async def test_no_secret_survives_in_a_cassette(upstream: str, tmp_path: Path) -> None:
    target = Target(
        "secret",
        upstream,
        "gpt-5-mini",
        Profile.NATIVE,
        api_key=SECRET,
        headers={"x-api-key": SECRET, "Cookie": f"session={SECRET}"},
    )
    for probe_id in ("responses.basic.text", "errors.auth.wrong_key", "responses.stream.text", "agents.run"):
        verdict = await run_probe(next(p for p in CATALOGUE if p.id == probe_id), target, cassette_dir=tmp_path)
        assert verdict.outcome is not Outcome.SKIP
    recorded = "\n".join(p.read_text() for p in tmp_path.rglob("*.yaml"))
    assert "interactions" in recorded
    assert SECRET not in recorded and "SECRETSECRET" not in recorded
    for header in ("authorization", "x-api-key", "cookie", "x-stainless-os", "x-stainless-lang"):
        assert not re.search(rf"^\s*{header}:", recorded, re.I | re.M), header


def test_replay_gives_the_same_verdicts_with_the_server_gone(tmp_path: Path) -> None:
    probes = select(["responses.basic", "responses.stream", "responses.tools.forced", "agents.tools.loop"])
    with serve_in_thread(create_app()) as running:
        target = Target("live", running.url + "/v1", "gpt-5-mini", Profile.NATIVE, api_key="k")
        live = run_all(probes, [target], cassette_dir=tmp_path)
    replayed = run_all(probes, [target], cassette_dir=tmp_path, replay=True)
    assert [(v.probe, v.outcome) for v in live] == [(v.probe, v.outcome) for v in replayed]
    assert {v.outcome for v in replayed} == {Outcome.PASS}


async def test_replay_fails_a_probe_whose_requests_are_not_in_the_cassette(tmp_path: Path) -> None:
    target = Target("gone", "http://127.0.0.1:9/v1", "gpt-5-mini", Profile.NATIVE, api_key="k")
    path = tmp_path / "gone" / "responses.basic.text.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("interactions: []\nversion: 1\n")
    verdict = await run_probe(
        next(p for p in CATALOGUE if p.id == "responses.basic.text"), target, cassette_dir=tmp_path, replay=True
    )
    assert verdict.outcome is Outcome.FAIL and "cassette" in verdict.message


def test_the_committed_cassettes_replay_clean() -> None:
    targets = load_targets_file("reference", base_url="http://replay.invalid/v1")
    verdicts = run_all(CATALOGUE, targets, cassette_dir=CASSETTES, replay=True, strictness=Strictness.OPENAI)
    assert len(verdicts) == len(CATALOGUE) * len(targets)
    failures = [(v.target, v.probe, v.message) for v in verdicts if v.outcome is Outcome.FAIL]
    assert failures == []
    skipped = {(v.target, v.probe) for v in verdicts if v.outcome is Outcome.SKIP}
    assert skipped <= {(t.name, "agents.compaction") for t in targets}


def test_the_runner_maps_expectation_and_observation_to_outcomes() -> None:
    from harness.model import Expect
    from harness.runner import decide

    assert decide(Expect.SUPPORTED, Observed.SUPPORTED)[0] is Outcome.PASS
    assert decide(Expect.SUPPORTED, Observed.REJECTED)[0] is Outcome.FAIL
    assert decide(Expect.REJECTED, Observed.SUPPORTED)[0] is Outcome.FAIL
    assert decide(Expect.REJECTED, Observed.REJECTED)[0] is Outcome.PASS_REJECTED
    assert decide(Expect.EITHER, Observed.SUPPORTED)[0] is Outcome.PASS
    assert decide(Expect.EITHER, Observed.REJECTED)[0] is Outcome.PASS_REJECTED
    assert callable(declare)
