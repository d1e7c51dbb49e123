"""A probe's evidence, in one place: what it exchanged with the gateway and how that is kept and given back.

One path scheme, side by side in `<cassette dir>/<target>/`:
- `<probe-id>.yaml`: the HTTP exchanges (a vcrpy cassette, secrets scrubbed; harness/cassettes.py);
- `<probe-id>.evidence.json`: what vcrpy cannot record, by slot: websocket turns (harness/websocket.py) and bodies
  too large for a cassette (harness/probes/_unrecorded.py), written by `Recorder.save`;
- `<probe-id>.journal.json`: the emulated upstream's journal of what the gateway asked it (harness/upstream_journal.py).

A live run gives the probe's context a `Recorder` (which keeps what the probe hands it and saves it); a replay gives
it a `Replayer` (which answers from what was kept, and says when nothing was). The context asks the object, never a
flag, so a probe cannot tell the two apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.cassettes import cassette_path


@dataclass(frozen=True)
class Paths:
    """Where one probe's evidence lives on one target."""

    cassette: Path

    @classmethod
    def of(cls, cassette_dir: Path, target: str, probe_id: str) -> Paths:
        return cls(cassette_path(cassette_dir, target, probe_id))

    @property
    def kept(self) -> Path:
        return self.cassette.with_name(self.cassette.stem + ".evidence.json")

    @property
    def journal(self) -> Path:
        return self.cassette.with_name(self.cassette.stem + ".journal.json")

    def clear(self) -> None:
        """Before a fresh recording: nothing of an earlier one may be mistaken for this one's."""
        for path in (self.cassette, self.kept, self.journal):
            path.unlink(missing_ok=True)


@dataclass
class Recorder:
    """Live: keeps what the probe hands it, by slot, and saves it beside the cassette."""

    paths: Paths
    slots: dict[str, Any] = field(default_factory=dict)
    replaying = False

    def answer(self, slot: str) -> Any:
        return None  # live: nothing is answered from evidence; the probe asks the gateway

    def keep(self, slot: str, value: Any) -> None:
        self.slots[slot] = value

    def series(self, slot: str) -> list[Any]:
        """A slot kept as a list that grows as the probe goes (the websocket turns of every connection)."""
        return self.slots.setdefault(slot, [])  # type: ignore[no-any-return]

    def save(self) -> None:
        if self.slots:
            self.paths.kept.write_text(json.dumps(self.slots, indent=1) + "\n")


@dataclass
class Replayer:
    """Replay: answers from what a recording kept; `missing` when there is no cassette at all."""

    paths: Paths
    slots: dict[str, Any] = field(default_factory=dict)
    replaying = True

    @classmethod
    def load(cls, paths: Paths) -> Replayer:
        kept = json.loads(paths.kept.read_text()) if paths.kept.exists() else {}
        return cls(paths, kept)

    @property
    def missing(self) -> bool:
        return not self.paths.cassette.exists()

    def answer(self, slot: str) -> Any:
        return self.slots.get(slot)

    def keep(self, slot: str, value: Any) -> None:
        self.slots[slot] = value  # a probe that makes a call the recording did not hold: kept, never saved

    def series(self, slot: str) -> list[Any]:
        return self.slots.setdefault(slot, [])  # type: ignore[no-any-return]

    def save(self) -> None:
        """A replay writes nothing."""


Evidence = Recorder | Replayer
