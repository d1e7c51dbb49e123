#!/usr/bin/env bash
# Start LiteLLM's proxy in front of the upstreams: launch.sh UPSTREAM_URL PORT [PEERS_ROOT] [CONFIG]
# (installed by install.sh into PEERS_ROOT/litellm, default .peers; CONFIG defaults to this folder's config.yaml,
# peers/litellm-real passes its own). Runs in the foreground.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
UPSTREAM="$1"; PORT="$2"; ROOT="$(cd "${3:-.peers}" && pwd)/litellm"; CONFIG="${4:-$HERE/config.yaml}"
RUN="$ROOT/run-$(basename "$(dirname "$CONFIG")")"
mkdir -p "$RUN"
sed "s|\${UPSTREAM}|$UPSTREAM|g" "$CONFIG" > "$RUN/config.yaml"
cd "$RUN"
# Offline: the bundled cost map instead of downloading it; no telemetry.
export LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_TELEMETRY=False
# No hub: LiteLLM would try to download a llama tokenizer (five retries, 31 s) to count tokens; it falls back.
export HF_HUB_OFFLINE=1
exec "$ROOT/venv/bin/litellm" --config "$RUN/config.yaml" --host 127.0.0.1 --port "$PORT"
