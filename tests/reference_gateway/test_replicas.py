"""Replicas: two gateway processes (uvicorn on loopback) serve one client as one gateway when they share one
PostgreSQL, and do not when each keeps its own SQLite file. Shown with the harness's own state.replicas probes, and
key ownership across replicas checked directly."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from harness.local import MASTER_KEY, PROBE_CONFIG
from harness.model import Outcome, Profile
from harness.probes import select
from harness.runner import run_all
from harness.servers import free_port, python_module, started
from harness.targets import Target

pytestmark = pytest.mark.slow
GATEWAY = [*python_module("reference_gateway"), "--config", str(PROBE_CONFIG)]


@pytest.fixture(scope="module")
def upstreams() -> Iterator[str]:
    with started([sys.executable, "-m", "emulators"], port=free_port()) as up:
        yield up.wait().url


def two_gateways(stack: ExitStack, upstreams: str, storages: list[dict[str, str]]) -> tuple[str, str]:
    env = {"UPSTREAM_URL": upstreams, "GATEWAY_MASTER_KEY": MASTER_KEY, "GATEWAY_OTHER_KEY": "other-key"}
    children = [stack.enter_context(started(GATEWAY, env={**env, **storage})) for storage in storages]
    a, b = (child.wait().url + "/v1" for child in children)
    return a, b


def probe_replicas(a: str, b: str, tmp_path: Path) -> list[tuple[str, Outcome]]:
    targets = [
        Target("replicas", a, model, Profile.NATIVE, api_key=MASTER_KEY, base_urls=(a, b))
        for model in ("openai/gpt-5-mini", "anthropic/claude-sonnet-4-20250514")
    ]
    verdicts = run_all(select(["state.replicas"], []), targets, jobs=1, cassette_dir=tmp_path)
    return [(v.probe, v.outcome) for v in verdicts]


def test_replica_probes_pass_on_two_gateways_sharing_postgresql(
    upstreams: str, postgres_url: str, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        a, b = two_gateways(stack, upstreams, [{"GATEWAY_STORAGE_URL": postgres_url}] * 2)
        outcomes = probe_replicas(a, b, tmp_path)
        # Key ownership holds across replicas: another key gets through B what it would get through A, a 404.
        made = httpx.post(
            f"{a}/responses", json={"model": "openai/gpt-5-mini", "input": "hi"}, headers=auth(MASTER_KEY)
        ).json()
        theirs = httpx.get(f"{b}/responses/{made['id']}", headers=auth("other-key"))
        mine = httpx.get(f"{b}/responses/{made['id']}", headers=auth(MASTER_KEY))
        continued = httpx.post(
            f"{b}/responses",
            json={"model": "openai/gpt-5-mini", "input": "more", "previous_response_id": made["id"]},
            headers=auth("other-key"),
        )
    assert len(outcomes) == 12 and {o for _, o in outcomes} == {Outcome.PASS}, outcomes
    assert (theirs.status_code, mine.status_code) == (404, 200)
    assert continued.status_code == 400 and continued.json()["error"]["code"] == "previous_response_not_found"


def test_replica_probes_fail_on_two_gateways_with_separate_sqlite_files(upstreams: str, tmp_path: Path) -> None:
    files = [{"GATEWAY_STORAGE": str(tmp_path / f"{n}.sqlite")} for n in "ab"]
    with ExitStack() as stack:
        a, b = two_gateways(stack, upstreams, files)
        outcomes = dict(probe_replicas(a, b, tmp_path / "cassettes"))
    # Everything stored on A is unknown on B; only the connection-local websocket response behaves the same.
    failed = {probe for probe, outcome in outcomes.items() if outcome is Outcome.FAIL}
    assert failed == {f"state.replicas.{name}" for name in ("retrieve", "previous_response_id", "input_items",
                                                            "delete", "conversation")}  # fmt: skip


def test_replica_probes_skip_on_a_target_with_one_base_url(tmp_path: Path) -> None:
    target = Target("one", "http://127.0.0.1:9/v1", "gpt-5-mini", Profile.NATIVE, api_key="k")
    verdicts = run_all(select(["state.replicas"], []), [target], jobs=1, cassette_dir=tmp_path)
    assert {v.outcome for v in verdicts} == {Outcome.SKIP}
    assert all("one base URL" in v.message for v in verdicts)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
