#!/usr/bin/env bash
# Start LiteLLM's proxy in front of the emulated upstreams: launch.sh UPSTREAM_URL PORT [PEERS_ROOT]
# (installed by install.sh into PEERS_ROOT/litellm, default .peers). Runs in the foreground.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
UPSTREAM="$1"; PORT="$2"; ROOT="$(cd "${3:-.peers}" && pwd)/litellm"
mkdir -p "$ROOT/run"
sed "s|\${UPSTREAM}|$UPSTREAM|g" "$HERE/config.yaml" > "$ROOT/run/config.yaml"
cd "$ROOT/run"
# Offline: the bundled cost map instead of downloading it; no telemetry.
export LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_TELEMETRY=False
# No hub: LiteLLM would try to download a llama tokenizer (five retries, 31 s) to count tokens; it falls back.
export HF_HUB_OFFLINE=1
exec "$ROOT/venv/bin/litellm" --config "$ROOT/run/config.yaml" --host 127.0.0.1 --port "$PORT"
