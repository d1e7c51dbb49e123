"""A peer whose source is not on a package registry (otari) is skipped by `--record`, with a one-line reason naming
what is missing, when its source is not here; the other peers are recorded all the same."""

from __future__ import annotations

from pathlib import Path

import pytest

import peers.pages
import peers.run
from peers.run import OTARI_COMMIT, PEERS, Peer


@pytest.fixture
def no_otari_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OTARI_SRC", raising=False)
    monkeypatch.setattr(peers.run, "OTARI_MIRROR", tmp_path / "no-mirror")
    monkeypatch.setattr(peers.run.signal, "signal", lambda *_: None)  # main() would keep its SIGTERM handler


def test_without_a_source_the_reason_is_one_line_naming_what_is_missing(no_otari_source: None) -> None:
    why = PEERS["otari"].source()
    assert why and "\n" not in why
    assert OTARI_COMMIT[:8] in why and "OTARI_SRC" in why and "no-mirror" in why


def test_a_given_source_that_is_not_one_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OTARI_SRC", str(tmp_path / "nothing"))
    assert f"OTARI_SRC={tmp_path / 'nothing'}" in PEERS["otari"].source()
    (tmp_path / "checkout").mkdir()
    (tmp_path / "checkout" / "pyproject.toml").write_text("")
    monkeypatch.setenv("OTARI_SRC", str(tmp_path / "checkout"))
    assert PEERS["otari"].source() == ""


def test_record_skips_the_peer_without_a_source_and_records_the_others(
    no_otari_source: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[str] = []

    def run_peer(peer: Peer, *, record: bool) -> None:
        ran.append(peer.name)

    monkeypatch.setattr(peers.run, "run_peer", run_peer)
    monkeypatch.setattr(peers.pages, "main", lambda argv: 0)
    assert peers.run.main(["--record", "--serial"]) == 0
    assert "otari" not in ran and ran == [name for name in PEERS if name != "otari"]
    skipped = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[peers:otari]")]
    assert len(skipped) == 1 and skipped[0].startswith("[peers:otari] skipped: no source of otari")
    # Named on its own, it is an error: nothing was recorded.
    assert peers.run.main(["--record", "--peer", "otari"]) == 1
    assert "otari" not in ran


def test_replaying_needs_no_source(no_otari_source: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []
    monkeypatch.setattr(peers.run, "run_peer", lambda peer, *, record: ran.append(peer.name))
    monkeypatch.setattr(peers.pages, "main", lambda argv: 0)
    assert peers.run.main(["--peer", "otari"]) == 0 and ran == ["otari"]


def test_a_peers_scripts_do_not_see_the_projects_own_lock(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # tox sets PIP_CONSTRAINT to requirements/constraints.txt; a peer's install under it cannot resolve (its own
    # constraints.txt pins other versions), which a warm run, installing nothing, never shows.
    monkeypatch.setenv("PIP_CONSTRAINT", "requirements/constraints.txt")
    out = tmp_path / "env.txt"
    with out.open("wb") as sink:
        proc = peers.run._spawn(["sh", "-c", 'echo "${PIP_CONSTRAINT-unset} ${HOME-nohome}"'], sink)
        assert proc.wait(timeout=30) == 0
    peers.run.stop_all()
    said = out.read_text().split()
    assert said[0] == "unset" and said[1] != "nohome"
