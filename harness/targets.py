"""A target: one gateway route the harness probes (a base URL, a key, a model, a profile, per-feature overrides)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from harness.model import Expect, Probe, Profile


@dataclass
class Target:
    name: str
    base_url: str
    model: str
    profile: Profile = Profile.NATIVE
    api_key: str | None = None
    api_key_env: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    auth_header: str | None = None  # e.g. "x-api-key": send the key there instead of Authorization: Bearer
    timeout: float = 60.0
    features: dict[str, Expect] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()

    def key(self) -> str:
        if self.api_key:
            return self.api_key
        if self.api_key_env:
            return os.environ.get(self.api_key_env, "")
        return ""

    def expectation(self, probe: Probe) -> Expect:
        """Most specific override wins: the probe ID, then the feature, then its parents; else the profile default."""
        for name in (probe.id, *_prefixes(probe.feature)):
            if name in self.features:
                return self.features[name]
        return probe.expect.get(self.profile, Expect.SUPPORTED)

    def excluded(self, probe: Probe) -> bool:
        return any(probe.id == pat or probe.id.startswith(pat.rstrip("*").rstrip(".") + ".") for pat in self.exclude)


def _prefixes(feature: str) -> list[str]:
    parts = feature.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
