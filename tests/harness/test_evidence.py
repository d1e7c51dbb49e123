"""One path scheme for a probe's evidence, and the two objects a context is given: a Recorder live, a Replayer on
replay, which a probe cannot tell apart."""

from __future__ import annotations

import json
from pathlib import Path

from harness import upstream_journal
from harness.evidence import Paths, Recorder, Replayer


def test_every_file_of_a_probe_sits_beside_its_cassette(tmp_path: Path) -> None:
    paths = Paths.of(tmp_path, "my gateway/route", "responses.basic.text")
    assert paths.cassette == tmp_path / "my_gateway_route" / "responses.basic.text.yaml"
    assert paths.kept.name == "responses.basic.text.evidence.json" and paths.kept.parent == paths.cassette.parent
    assert upstream_journal.journal_path(paths.cassette) == paths.journal
    assert paths.journal.name == "responses.basic.text.journal.json"


def test_a_recording_saves_what_it_kept_and_a_replay_answers_from_it_without_writing(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "p.yaml")
    recorder = Recorder(paths)
    assert recorder.answer("unrecorded body") is None  # live: the gateway is asked
    recorder.keep("unrecorded body", {"status": 413})
    recorder.series("websocket").append({"connection": 0})
    recorder.save()
    assert json.loads(paths.kept.read_text()) == {"unrecorded body": {"status": 413}, "websocket": [{"connection": 0}]}
    replayer = Replayer.load(paths)
    assert replayer.answer("unrecorded body") == {"status": 413} and replayer.series("websocket") == [{"connection": 0}]
    assert replayer.missing  # no cassette was written here
    replayer.keep("another", 1)
    replayer.save()
    assert "another" not in json.loads(paths.kept.read_text())


def test_nothing_kept_writes_nothing_and_a_fresh_recording_clears_the_last(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "p.yaml")
    Recorder(paths).save()
    assert not paths.kept.exists()
    for path in (paths.cassette, paths.kept, paths.journal):
        path.write_text("{}")
    paths.clear()
    assert not any(tmp_path.iterdir())
