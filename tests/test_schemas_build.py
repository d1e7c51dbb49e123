"""The committed schemas are what scripts/build_schemas.py generates from the specs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SPECS = ROOT.parent / "shared" / "specs"


def _generated(folder: Path) -> dict[str, str]:
    # overlays/ is hand-written; sdk/ is scripts/build_sdk_schemas.py's (checked by its --check).
    skip = {"overlays", "sdk"}
    return {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*.json") if not skip & set(p.parts)}


@pytest.mark.skipif(not SPECS.exists(), reason="../shared/specs is not beside this checkout")
def test_regenerating_the_schemas_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_schemas.py"), "--specs-dir", str(SPECS), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    assert _generated(tmp_path) == _generated(ROOT / "schemas")


def test_every_overlay_names_definitions_that_exist() -> None:
    for overlay in (ROOT / "schemas" / "overlays").glob("*.json"):
        rules = json.loads(overlay.read_text())
        folder = ROOT / "schemas" / rules["spec"]
        defs = set().union(*(json.loads(p.read_text()).get("$defs", {}) for p in folder.glob("*.json")))
        for rule in rules.get("rules", []):
            assert rule["def"] in defs, (overlay.name, rule["def"])
            assert rule.get("why"), (overlay.name, rule)


def test_the_sdk_schemas_are_what_the_installed_openai_package_gives() -> None:
    """schemas/sdk/ is derived from openai-python's models (scripts/build_sdk_schemas.py). After an upgrade of
    `openai` this fails, naming the version: regenerate with `python scripts/build_sdk_schemas.py` and commit."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_sdk_schemas.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
