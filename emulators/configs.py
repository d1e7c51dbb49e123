"""Ready configurations for a gateway fronting the emulated upstreams (`gateway-conformance upstreams --print-config
GATEWAY`): the gateway's own config (its routes, their fault-model routes, the emulators' keys) and the targets file
to probe it with, `upstream_journal` set, so its CI needs no provider key.

The shapes are those of the configurations used with the real peers (peers/litellm/config.yaml,
peers/portkey/targets.yaml, peers/llamastack/config.yaml). GoModel's is written from its documented config.yaml
(`providers: {NAME: {type, base_url, api_key, models}}`, `server.master_key`) and has not been run here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import yaml

from emulators.access import DEFAULT_KEYS
from emulators.faults import DRIP, FAULTS

GATEWAYS: Final = ("gomodel", "litellm", "portkey", "llamastack")
DEFAULT_UPSTREAM: Final = "http://127.0.0.1:9000"
# The faults the faults.* probes ask for (`drip` is the bench's).
PROBED_FAULTS: Final = tuple(f for f in FAULTS if f != DRIP)
FAULT_MODEL: Final = "{model}-{fault}"
KEY: Final = {"openai": DEFAULT_KEYS["openai"][0], "groq": DEFAULT_KEYS["openai"][1]} | {
    p: DEFAULT_KEYS[p][0] for p in ("anthropic", "gemini")
}
# (route name, provider, upstream model, path under the upstream root)
ROUTES: Final = (
    ("openai", "openai", "gpt-5-mini", "/v1"),
    ("groq", "groq", "llama-3.3-70b-versatile", "/v1"),
    ("anthropic", "anthropic", "claude-sonnet-4-20250514", ""),
    ("gemini", "gemini", "gemini-2.0-flash", "/v1beta"),
)


@dataclass(frozen=True)
class Printed:
    """What `--print-config` prints: the gateway's config file (None: it has none), the targets file, and how to
    start the gateway with it."""

    gateway: str
    config_file: str | None
    config: Mapping[str, Any] | None
    targets: Mapping[str, Any]
    start: str

    def render(self) -> str:
        parts = [f"# {self.gateway} fronting the emulated upstreams (gateway-conformance upstreams)\n# {self.start}\n"]
        if self.config is not None:
            parts.append(f"# --- {self.config_file}\n{_yaml(self.config)}")
        else:
            parts.append(f"# --- {self.gateway} needs no config file: the targets' headers route each request\n")
        parts.append(
            "# --- targets.yaml: gateway-conformance probe --targets targets.yaml\n---\n" + _yaml(self.targets)
        )
        return "".join(parts)


def _yaml(value: Mapping[str, Any]) -> str:
    return str(yaml.safe_dump(dict(value), sort_keys=False, width=120))


# gateway -> (its config file, its /v1 URL as started, how to start it)
STARTS: Final = {
    "litellm": (
        "config.yaml",
        "http://127.0.0.1:4000/v1",
        "LITELLM_LOCAL_MODEL_COST_MAP=True litellm --config config.yaml --port 4000",
    ),
    "portkey": (None, "http://127.0.0.1:8787/v1", "npx @portkey-ai/gateway --port=8787 --headless"),
    "llamastack": (
        "config.yaml",
        "http://127.0.0.1:8321/v1",
        "mkdir -p llamastack-state/files && llama stack run config.yaml --port 8321",
    ),
    "gomodel": (
        "config/config.yaml",
        "http://127.0.0.1:8080/v1",
        "GOMODEL_MASTER_KEY=change-me gomodel (run where config/config.yaml is)",
    ),
}


def _printed(
    gateway: str, config: Mapping[str, Any] | None, upstream: str, targets: list[dict[str, Any]], **defaults: Any
) -> Printed:
    """The gateway's config and a targets file over its routes, each fronting the upstreams' journal."""
    config_file, base_url, start = STARTS[gateway]
    defaults = {
        "base_url": base_url,
        **defaults,
        "upstream_journal": upstream,
        "timeout": 30,
        "fault_model": FAULT_MODEL,
    }
    return Printed(gateway, config_file, config, {"defaults": defaults, "targets": targets}, start)


def litellm(upstream: str) -> Printed:
    aliases = {"openai": "gpt-5-mini", "groq": "llama", "anthropic": "claude-sonnet", "gemini": "gemini-flash"}

    def route(alias: str, provider: str, model: str, path: str) -> dict[str, Any]:
        params = {"model": f"{provider}/{model}", "api_base": upstream + path, "api_key": KEY[provider]}
        return {"model_name": alias, "litellm_params": params}

    models = [route(aliases[name], provider, model, path) for name, provider, model, path in ROUTES]
    # LiteLLM's pattern routing puts what `*` matched into the upstream model's name: `llama-fail-500`.
    models += [route(aliases[n] + "-*", p, m + "-*", path) for n, p, m, path in ROUTES]
    config = {
        "model_list": models,
        "general_settings": {"master_key": "sk-litellm-master"},
        "litellm_settings": {"drop_params": False, "request_timeout": 10},
    }
    targets = [
        {
            "name": f"litellm-{name}",
            "model": aliases[name],
            "profile": "native" if name == "openai" else "chat-translated",
        }
        for name, *_ in ROUTES
    ]
    return _printed("litellm", config, upstream, targets, api_key="sk-litellm-master")


def portkey(upstream: str) -> Printed:
    provider = {"openai": "openai", "groq": "groq", "anthropic": "anthropic", "gemini": "google"}
    targets = [
        {
            "name": f"portkey-{name}",
            "model": model,
            "profile": "native" if name == "openai" else "chat-translated",
            "api_key": KEY[name],  # Portkey forwards the caller's key upstream
            "headers": {
                "x-portkey-provider": provider[name],
                "x-portkey-custom-host": upstream + ("" if name == "gemini" else "/v1"),
                "x-portkey-request-timeout": "10000",
            },
        }
        for name, _, model, _ in ROUTES
    ]
    return _printed("portkey", None, upstream, targets)


def llamastack(upstream: str) -> Printed:
    model = "llama-3.3-70b-versatile"

    def registered(name: str) -> dict[str, str]:
        return {"model_id": name, "provider_id": "openai", "provider_model_id": name, "model_type": "llm"}

    sql = {"backend": "sql_default"}
    config = {
        "version": 2,
        "distro_name": "conformance-llamastack",
        "apis": ["files", "inference", "responses", "tool_runtime", "vector_io"],
        "providers": {
            "inference": [
                {
                    "provider_id": "openai",
                    "provider_type": "remote::openai",
                    "config": {"api_key": KEY["groq"], "base_url": upstream + "/v1", "network": {"timeout": 10}},
                }
            ],
            "vector_io": [
                {
                    "provider_id": "faiss",
                    "provider_type": "inline::faiss",
                    "config": {"persistence": {"namespace": "vector_io::faiss", "backend": "kv_default"}},
                }
            ],
            "files": [
                {
                    "provider_id": "builtin-files",
                    "provider_type": "inline::localfs",
                    "config": {
                        "storage_dir": "./llamastack-state/files",
                        "metadata_store": {"table_name": "files_metadata", **sql},
                    },
                }
            ],
            "tool_runtime": [{"provider_id": "file-search", "provider_type": "inline::file-search"}],
            "responses": [
                {
                    "provider_id": "builtin",
                    "provider_type": "inline::builtin",
                    "config": {
                        "persistence": {
                            "agent_state": {"namespace": "agents", "backend": "kv_default"},
                            "responses": {"table_name": "responses", **sql},
                        }
                    },
                }
            ],
        },
        "storage": {
            "backends": {
                "kv_default": {"type": "kv_sqlite", "db_path": "./llamastack-state/kvstore.db"},
                "sql_default": {"type": "sql_sqlite", "db_path": "./llamastack-state/sql_store.db"},
            },
            "stores": {
                "metadata": {"namespace": "registry", "backend": "kv_default"},
                "inference": {"table_name": "inference_store", **sql},
                "conversations": {"table_name": "openai_conversations", **sql},
                "prompts": {"namespace": "prompts", "backend": "kv_default"},
                "connectors": {"namespace": "connectors", "backend": "kv_default"},
            },
        },
        "registered_resources": {
            "models": [registered(model)] + [registered(f"{model}-{fault}") for fault in PROBED_FAULTS]
        },
        "server": {"host": "127.0.0.1", "port": 8321},
    }
    targets = [
        {
            "name": "llamastack-openai-chat",
            "model": f"openai/{model}",
            "profile": "chat-translated",
            "features": {"state": "supported", "conversations": "supported", "lifecycle": "supported"},
        }
    ]
    return _printed("llamastack", config, upstream, targets, api_key="unused-no-auth-provider")


def gomodel(upstream: str) -> Printed:
    # Gemini is left out: GoModel's Gemini provider's URL scheme has not been checked against the emulator.
    providers = {
        name: {
            "type": provider,
            "base_url": upstream + "/v1",  # GoModel's Anthropic base includes /v1 (it posts to /messages)
            "api_key": KEY[provider],
            "models": [model] + [f"{model}-{fault}" for fault in PROBED_FAULTS],
        }
        for name, provider, model, _ in ROUTES
        if name != "gemini"
    }
    config = {"server": {"port": "8080", "master_key": "change-me"}, "providers": providers}
    targets = [
        {
            "name": f"gomodel-{name}",
            "model": f"{name}/{model}",
            "profile": "native" if name == "openai" else "chat-translated",
        }
        for name, _, model, _ in ROUTES
        if name != "gemini"
    ]
    return _printed("gomodel", config, upstream, targets, api_key_env="GOMODEL_MASTER_KEY")


BUILDERS: Final[dict[str, Callable[[str], Printed]]] = {
    "gomodel": gomodel,
    "litellm": litellm,
    "portkey": portkey,
    "llamastack": llamastack,
}


def build(gateway: str, upstream: str = DEFAULT_UPSTREAM) -> Printed:
    if gateway not in BUILDERS:
        raise ValueError(f"no config for {gateway!r}: one of {', '.join(GATEWAYS)}")
    return BUILDERS[gateway](upstream.rstrip("/"))
