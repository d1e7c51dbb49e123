"""A target: one gateway route the harness probes (a base URL, a key, a model, a profile, per-feature overrides)."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.features import FEATURES
from harness.model import Expect, Probe, Profile, id_matches


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
    profile_assumed: bool = False  # no profile was given (--expect / `profile:`): native was assumed
    upstream_journal: str | None = None  # root URL of emulated upstreams the target fronts: their journal is evidence
    # How to name a model whose upstream injects a fault: a template with {model} (the target's model) and {fault}
    # (a name from emulators.faults, e.g. "fail-500"). None: the target cannot inject faults; the faults.*
    # probes skip.
    fault_model: str | None = None
    real_model: bool = False  # the target fronts a real provider: probes that need the emulated model skip
    # Several replicas of one gateway (a load balancer's members): the state.replicas.* probes alternate between
    # them. Empty: the one base_url. `base_url` is always the first.
    base_urls: tuple[str, ...] = ()
    only: tuple[str, ...] = ()  # when set, the only probes run on this target (IDs, dotted prefixes or globs)
    # Why this target cannot be probed here (e.g. no PostgreSQL for its replicas): its probes skip saying so.
    unavailable: str | None = None

    def __post_init__(self) -> None:
        if not self.base_urls:
            self.base_urls = (self.base_url,)

    def model_with_fault(self, fault: str) -> str | None:
        """The model name that makes the upstream behind this target inject `fault`, or None if it cannot."""
        if not self.fault_model:
            return None
        return self.fault_model.format(model=self.model, fault=fault)

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

    def expects(self, feature: str) -> Expect | None:
        """What this target's overrides say of a feature (the most specific prefix wins), or None if nothing."""
        return next((self.features[name] for name in _prefixes(feature) if name in self.features), None)

    def excluded(self, probe: Probe) -> bool:
        """Whether `exclude` names the probe: an ID, a dotted prefix or a glob, matched as `--probe` matches."""
        if self.only and not any(id_matches(probe.id, pattern) for pattern in self.only):
            return True
        return any(id_matches(probe.id, pattern) for pattern in self.exclude)


def _prefixes(feature: str) -> list[str]:
    parts = feature.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


PRESET_DIR = Path(__file__).parent / "presets"


def _expectations(raw: dict[str, Any] | None) -> dict[str, Expect]:
    return {str(k): Expect(str(v)) for k, v in (raw or {}).items()}


def _fault_model(template: Any) -> str | None:
    if template is None:
        return None
    text = str(template)
    if "{fault}" not in text:
        raise ValueError(f"fault_model {text!r} must contain {{fault}} (and usually {{model}})")
    try:
        text.format(model="m", fault="f")
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"fault_model {text!r} may use only {{model}} and {{fault}}") from exc
    return text


def _base_urls(spec: dict[str, Any], override: str | None, default: str | None) -> tuple[str, ...]:
    """`base_urls: [A, B]` (validated: at least one, distinct, http or https), else `base_url`. An override (the
    command line's --base-url, a replay's placeholder) takes every place, so a replay keeps the replica count."""
    raw = spec.get("base_urls")
    if raw is None:
        url = override or spec.get("base_url") or default
        return (str(url).rstrip("/"),) if url else ()
    if not isinstance(raw, list) or not raw or not all(isinstance(u, str) and u for u in raw):
        raise ValueError(f"target {spec.get('name')!r}: base_urls must be a non-empty list of URLs")
    urls = tuple(u.rstrip("/") for u in raw)
    if len(set(urls)) != len(urls) or not all(u.startswith(("http://", "https://")) for u in urls):
        raise ValueError(f"target {spec.get('name')!r}: base_urls must be distinct http(s) URLs")
    return tuple(override.rstrip("/") for _ in urls) if override else urls


def load_targets(
    source: dict[str, Any],
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    default_base_url: str | None = None,
) -> list[Target]:
    """Targets from a parsed targets file: `defaults` apply to every target; `models` expands one target per model.
    `base_url` overrides every target's; `default_base_url` is for the targets that name none (a replay)."""
    defaults = dict(source.get("defaults") or {})
    targets: list[Target] = []
    for entry in source.get("targets") or []:
        spec = {**defaults, **entry}
        features = {**_expectations(defaults.get("features")), **_expectations(entry.get("features"))}
        models = spec.get("models") or [spec.get("model")]
        for model in models:
            if not model:
                raise ValueError(f"target {spec.get('name')!r} names no model")
            name = str(spec["name"]) if len(models) == 1 else f"{spec['name']}/{str(model).split('/')[-1]}"
            urls = _base_urls(spec, base_url, default_base_url)
            if not urls:
                raise ValueError(f"target {name!r} has no base_url (give --base-url)")
            targets.append(
                Target(
                    name=name,
                    base_url=urls[0],
                    base_urls=urls,
                    only=tuple(spec.get("only") or ()),
                    model=str(model),
                    profile=Profile(spec.get("profile", spec.get("expect", "native"))),
                    profile_assumed="profile" not in spec and "expect" not in spec,
                    api_key=api_key or spec.get("api_key"),
                    api_key_env=spec.get("api_key_env"),
                    headers={str(k): str(v) for k, v in (spec.get("headers") or {}).items()},
                    auth_header=spec.get("auth_header"),
                    timeout=float(spec.get("timeout", 60.0)),
                    features=features,
                    exclude=tuple(spec.get("exclude") or ()),
                    upstream_journal=spec.get("upstream_journal"),
                    fault_model=_fault_model(spec.get("fault_model")),
                    real_model=bool(spec.get("real_model", False)),
                )
            )
    return targets


def load_targets_file(path: str | Path, **overrides: Any) -> list[Target]:
    candidate = Path(path)
    if not candidate.exists() and (PRESET_DIR / f"{path}.yaml").exists():
        candidate = PRESET_DIR / f"{path}.yaml"
    return load_targets(yaml.safe_load(candidate.read_text()) or {}, **overrides)


def unknown_features(targets: Sequence[Target], probes: Iterable[Probe]) -> list[str]:
    """What in the targets' `features:` names nothing the catalogue knows (a probe ID, a feature or a feature's
    parent), each with the nearest known name: a typo would otherwise leave its override silently unused."""
    known = {name for probe in probes for name in (probe.id, *_prefixes(probe.feature))}
    known.update(name for feature in FEATURES for name in _prefixes(feature))
    problems = []
    for target in targets:
        for name in target.features:
            if name not in known:
                near = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
                hint = f"; did you mean {near[0]!r}?" if near else "; see `gateway-conformance list`"
                problems.append(f"target {target.name!r}: unknown feature {name!r} in features{hint}")
    return sorted(set(problems))
