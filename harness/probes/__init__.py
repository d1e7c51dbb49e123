"""The probe catalogue: every probe, sorted by ID, and selection by ID, dotted prefix or glob."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from harness.model import Probe, id_matches
from harness.probes._registry import REGISTRY

# Importing an area's module files its probes in REGISTRY.
AREAS = (
    "agents",
    "background",
    "basic",
    "compact",
    "consistency",
    "conversations",
    "errors",
    "errors_request",
    "faults",
    "hosted",
    "input",
    "lifecycle",
    "params",
    "replicas",
    "state",
    "stream",
    "structured",
    "tokens",
    "tool_choice",
    "tools",
    "websocket",
)
for _area in AREAS:
    importlib.import_module(f"harness.probes.{_area}")
CATALOGUE: list[Probe] = sorted(REGISTRY, key=lambda p: p.id)
assert len({p.id for p in CATALOGUE}) == len(CATALOGUE), "probe IDs must be unique"


def matches(probe: Probe, pattern: str) -> bool:
    """An exact ID, a dotted prefix or a glob: the same matcher a targets file's `exclude` uses."""
    return id_matches(probe.id, pattern)


def select(patterns: Sequence[str] = (), exclude: Sequence[str] = ()) -> list[Probe]:
    chosen = [p for p in CATALOGUE if not patterns or any(matches(p, pat) for pat in patterns)]
    return [p for p in chosen if not any(matches(p, pat) for pat in exclude)]
