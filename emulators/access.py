"""Who may call each emulated protocol and which models it serves: the keys and the model catalogue.

Protocols: `openai` (Responses and Chat Completions under /v1), `anthropic` (/v1/messages), `gemini` (/v1beta).
Each setting is given per protocol; a protocol that is not given keeps its default. Sources, strongest first:
`create_app(keys=..., models=...)` or the flags `--key PROTOCOL=KEY` / `--model PROTOCOL=NAME` (repeatable), then
the environment (`UPSTREAM_OPENAI_KEYS`, `UPSTREAM_ANTHROPIC_MODELS`, ... comma-separated), then the defaults below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from emulators.faults import base_model, fault_of

PROTOCOLS: Final = ("openai", "anthropic", "gemini")

# The keys reference_gateway/presets/probe.yaml sends.
DEFAULT_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "openai": ("sk-upstream-openai", "gsk-upstream"),
    "anthropic": ("sk-ant-upstream",),
    "gemini": ("gemini-upstream",),
}
# Every model the presets, examples, probes and tests name, and a few more of each provider's current ones.
DEFAULT_MODELS: Final[dict[str, tuple[str, ...]]] = {
    "openai": (
        "gpt-5-mini",
        "gpt-5",
        "gpt-5-nano",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4o",
        "gpt-4o-mini",
        "o4-mini",
        "llama-3.3-70b-versatile",
    ),
    "anthropic": ("claude-sonnet-4-20250514", "claude-opus-4-20250514", "claude-3-5-haiku-20241022"),
    "gemini": ("gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro"),
}
Overrides = Mapping[str, Iterable[str]]


@dataclass(frozen=True)
class Access:
    keys: Mapping[str, frozenset[str]]
    models: Mapping[str, tuple[str, ...]]

    @classmethod
    def build(cls, keys: Overrides | None = None, models: Overrides | None = None) -> Access:
        """The defaults, with each protocol named in `keys` / `models` replaced by what is given."""
        key_sets = {p: frozenset(v) for p, v in _merged(DEFAULT_KEYS, keys, "keys").items()}
        return cls(keys=key_sets, models=_merged(DEFAULT_MODELS, models, "models"))

    def key_ok(self, protocol: str, key: str) -> bool:
        return key in self.keys[protocol]

    def model_ok(self, protocol: str, model: str) -> bool:
        """A catalogued model, or a fault name alone or joined to a catalogued model (`gpt-5-mini-fail-429`)."""
        catalogue = self.models[protocol]
        if model in catalogue:
            return True
        return fault_of(model) is not None and base_model(model) in ("", *catalogue)


def _merged(defaults: Mapping[str, Sequence[str]], given: Overrides | None, what: str) -> dict[str, tuple[str, ...]]:
    merged = {protocol: tuple(values) for protocol, values in defaults.items()}
    for protocol, values in (given or {}).items():
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r} for {what}: expected one of {', '.join(PROTOCOLS)}")
        merged[protocol] = tuple(dict.fromkeys(v for v in values if v))
    return merged


def from_env(env: Mapping[str, str], what: str) -> dict[str, list[str]]:
    """`UPSTREAM_<PROTOCOL>_<WHAT>` (comma-separated) for every protocol that has one; `what` is KEYS or MODELS."""
    found = {}
    for protocol in PROTOCOLS:
        raw = env.get(f"UPSTREAM_{protocol.upper()}_{what.upper()}")
        if raw and raw.strip():
            found[protocol] = [value.strip() for value in raw.split(",") if value.strip()]
    return found


def from_pairs(pairs: Iterable[str]) -> dict[str, list[str]]:
    """`PROTOCOL=VALUE` flags, repeatable, gathered per protocol."""
    found: dict[str, list[str]] = {}
    for pair in pairs:
        protocol, sep, value = pair.partition("=")
        if not sep or protocol not in PROTOCOLS or not value:
            raise ValueError(f"expected PROTOCOL=VALUE with PROTOCOL one of {', '.join(PROTOCOLS)}, got {pair!r}")
        found.setdefault(protocol, []).append(value)
    return found


def settings(env: Mapping[str, str], key_flags: Iterable[str] = (), model_flags: Iterable[str] = ()) -> Access:
    """Flags over the environment over the defaults, per protocol."""
    keys = {**from_env(env, "keys"), **from_pairs(key_flags)}
    models = {**from_env(env, "models"), **from_pairs(model_flags)}
    return Access.build(keys, models)
