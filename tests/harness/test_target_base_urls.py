"""A target's several base URLs (`base_urls: [A, B]`, replicas of one gateway) and `only`."""

from __future__ import annotations

import pytest

from harness.probes import CATALOGUE
from harness.targets import load_targets


def one(**spec: object) -> dict[str, object]:
    return {"targets": [{"name": "t", "model": "m", **spec}]}


def test_base_urls_are_kept_and_base_url_is_the_first() -> None:
    (target,) = load_targets(one(base_urls=["http://a/v1/", "http://b/v1"]))
    assert target.base_urls == ("http://a/v1", "http://b/v1") and target.base_url == "http://a/v1"
    (single,) = load_targets(one(base_url="http://a/v1"))
    assert single.base_urls == ("http://a/v1",)


def test_an_override_takes_every_place_so_a_replay_keeps_the_count() -> None:
    (target,) = load_targets(one(base_urls=["http://a/v1", "http://b/v1"]), base_url="http://replay.invalid/v1")
    assert target.base_urls == ("http://replay.invalid/v1",) * 2


@pytest.mark.parametrize("urls", [[], "http://a/v1", ["http://a/v1", "http://a/v1"], ["ftp://a", "http://b"]])
def test_bad_base_urls_are_refused(urls: object) -> None:
    with pytest.raises(ValueError, match="base_urls"):
        load_targets(one(base_urls=urls))


def test_only_limits_the_probes_run_on_a_target() -> None:
    (target,) = load_targets(one(base_url="http://a/v1", only=["state.replicas"]))
    assert {p.id for p in CATALOGUE if not target.excluded(p)} == {
        p.id for p in CATALOGUE if p.id.startswith("state.replicas.")
    }
