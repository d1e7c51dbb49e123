"""Gateway configuration: a YAML file with `${VAR}` / `${VAR:-default}` expanded from the environment."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reference_gateway.providers.base import Compact, ProviderSettings, Stateful

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
DEFAULT_PRESET = Path(__file__).parent / "presets" / "default.yaml"


def expand(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, str):
        return _VAR.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), value)
    if isinstance(value, list):
        return [expand(v, env) for v in value]
    if isinstance(value, dict):
        return {k: expand(v, env) for k, v in value.items()}
    return value


@dataclass
class Limits:
    """What one request may cost the gateway. Every limit answers with an OpenAI error envelope."""

    max_body_bytes: int = 16 * 1024 * 1024  # larger bodies: 413
    max_json_depth: int = 64  # deeper nesting: 400
    body_timeout: float = 30.0  # seconds to receive the whole request body: 408
    header_timeout: float = 10.0  # seconds to receive a request's line and headers: the connection is closed
    upstream_deadline: float = 300.0  # seconds for a whole upstream call, stream included: 504 / response.failed
    max_connections: int = 100  # per provider, so a provider that hangs cannot starve the others
    pool_wait: float = 5.0  # seconds a request may wait for one of its provider's connections: 503
    max_concurrent_per_key: int = 32  # upstream calls one key may have in flight per provider: 429


@dataclass
class Config:
    keys: dict[str, str] = field(default_factory=dict)  # name -> key
    providers: dict[str, ProviderSettings] = field(default_factory=dict)
    storage_path: str = ".gateway/gateway.sqlite"
    storage_url: str = ""  # postgresql://..., memory: or sqlite:///PATH; empty: SQLite at storage_path
    storage_busy_timeout: float = 5.0  # seconds a write waits for SQLite's lock held by another connection: 503
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    default_provider: str | None = None  # where a model name without a `provider/` prefix goes
    limits: Limits = field(default_factory=Limits)


def parse(raw: dict[str, Any], env: dict[str, str] | None = None) -> Config:
    env = dict(os.environ if env is None else env)
    data = expand(raw, env)
    cfg = Config()
    for entry in data.get("keys") or []:
        if entry.get("key"):
            cfg.keys[str(entry.get("name") or f"key{len(cfg.keys)}")] = str(entry["key"])
    if env.get("GATEWAY_MASTER_KEY"):
        cfg.keys["master"] = env["GATEWAY_MASTER_KEY"]
    for name, spec in (data.get("providers") or {}).items():
        spec = dict(spec)
        cfg.providers[name] = ProviderSettings(
            name=name,
            type=str(spec.pop("type")),
            base_url=str(spec.pop("base_url")).rstrip("/"),
            api_key=str(spec.pop("api_key", "")),
            stateful=Stateful(str(spec.pop("stateful", "reject"))),
            compact=Compact(str(spec.pop("compact", "translate"))),
            options=spec,
        )
    cfg.default_provider = data.get("default_provider") or None
    if cfg.default_provider and cfg.default_provider not in cfg.providers:
        raise ValueError(f"default_provider {cfg.default_provider!r} is not a configured provider")
    storage = data.get("storage") or {}
    cfg.storage_path = str(storage.get("path") or cfg.storage_path)
    cfg.storage_url = str(storage.get("url") or "")
    cfg.storage_busy_timeout = float(storage.get("busy_timeout", cfg.storage_busy_timeout))
    timeouts = data.get("timeouts") or {}
    cfg.connect_timeout = float(timeouts.get("connect", cfg.connect_timeout))
    cfg.read_timeout = float(timeouts.get("read", cfg.read_timeout))
    for name, value in (data.get("limits") or {}).items():
        if name not in Limits.__dataclass_fields__:
            raise ValueError(f"unknown limit {name!r} (one of {', '.join(Limits.__dataclass_fields__)})")
        default = getattr(cfg.limits, name)
        setattr(cfg.limits, name, type(default)(value))
    if not cfg.keys:
        raise ValueError("no gateway key configured: set GATEWAY_MASTER_KEY or `keys:` in the config")
    return cfg


def load(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    source = Path(path or os.environ.get("GATEWAY_CONFIG") or DEFAULT_PRESET)
    return parse(yaml.safe_load(source.read_text()) or {}, env)
