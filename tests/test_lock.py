"""The environments install what requirements/ locks: a release elsewhere cannot change what the tests run with."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "constraints.txt"


def _pins(path: Path) -> dict[str, str]:
    """name -> version for every pin of the lock that applies to this interpreter and platform."""
    env = default_environment()
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            (spec,) = req.specifier
            assert spec.operator == "==", f"{line!r} is not an exact pin"
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def _installed() -> dict[str, str]:
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}


def test_the_sdks_are_the_locked_ones() -> None:
    pins, installed = _pins(LOCK), _installed()
    for name in ("openai", "openai-agents"):
        assert name in pins, f"{name} is not in {LOCK.name}"
        assert installed.get(name) == pins[name], f"{name} {installed.get(name)} installed, {pins[name]} locked"


def test_every_installed_package_the_lock_names_is_at_its_locked_version() -> None:
    pins, installed = _pins(LOCK), _installed()
    wrong = {n: (v, pins[n]) for n, v in installed.items() if n in pins and v != pins[n]}
    assert not wrong, f"installed, locked: {wrong}"
    # Not a vacuous check: this environment holds the package's dependencies and the test tools, all locked.
    assert len(set(installed) & set(pins)) >= 40


def test_the_lock_covers_every_dependency_of_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    every_pin = {canonicalize_name(line.split("==", 1)[0]) for line in LOCK.read_text().splitlines() if "==" in line}
    missing = [r for r in map(Requirement, wanted) if canonicalize_name(r.name) not in every_pin]
    assert not missing, f"not locked: {missing}: run `tox -e lock`"


@pytest.mark.parametrize("name", ["openai", "openai-agents"])
def test_the_locked_sdks_fit_the_package_s_own_ranges(name: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (req,) = [r for r in map(Requirement, project["dependencies"]) if canonicalize_name(r.name) == name]
    assert req.specifier.contains(_pins(LOCK)[name]), (req, _pins(LOCK)[name])
