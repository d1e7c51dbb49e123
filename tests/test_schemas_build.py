"""The committed schemas are what scripts/build_schemas.py generates from the specs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SPECS = ROOT.parent / "shared" / "specs"


@pytest.mark.skipif(not SPECS.exists(), reason="../shared/specs is not beside this checkout")
def test_regenerating_the_schemas_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_schemas.py"), "--specs-dir", str(SPECS), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in ("openai.json", "openresponses.json"):
        assert (tmp_path / name).read_text() == (ROOT / "schemas" / name).read_text()


def test_every_overlay_names_definitions_that_exist() -> None:
    for overlay in (ROOT / "schemas" / "overlays").glob("*.json"):
        bundle = "openresponses" if overlay.stem == "openresponses" else "openai"
        defs = json.loads((ROOT / "schemas" / f"{bundle}.json").read_text())["$defs"]
        rules = json.loads(overlay.read_text())
        for rule in rules.get("nullable", []) + rules.get("optional", []) + rules.get("replace", []):
            assert rule["def"] in defs, (overlay.name, rule["def"])
            assert rule.get("why"), (overlay.name, rule)
