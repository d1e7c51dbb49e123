#!/usr/bin/env bash
# Start llama-stack in front of the emulated upstreams: launch.sh UPSTREAM_URL PORT [PEERS_ROOT]
# (installed by install.sh into PEERS_ROOT/llamastack, default .peers). Runs in the foreground; state starts empty.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
UPSTREAM="$1"; PORT="$2"; ROOT="$(cd "${3:-.peers}" && pwd)/llamastack"
# The upstream's key and model, and a state folder of its own: peers/llamastack-real sets them for the real model.
KEY="${LLAMASTACK_UPSTREAM_KEY:-gsk-upstream}"; MODEL="${LLAMASTACK_UPSTREAM_MODEL:-llama-3.3-70b-versatile}"
RUN="$ROOT/run-${LLAMASTACK_RUN:-llamastack}"; STATE="$RUN/state"
rm -rf "$STATE"; mkdir -p "$STATE/files"
sed "s|\${UPSTREAM}|$UPSTREAM|g; s|\${STATE}|$STATE|g; s|\${KEY}|$KEY|g; s|\${MODEL}|$MODEL|g" "$HERE/config.yaml" \
    > "$RUN/config.yaml"
# Offline: tiktoken's cl100k_base from the copy install.sh made, never downloaded.
export TIKTOKEN_CACHE_DIR="$ROOT/tiktoken" HF_HUB_OFFLINE=1 LLAMA_STACK_TELEMETRY_DISABLED=1
exec "$ROOT/venv/bin/llama" stack run "$RUN/config.yaml" --port "$PORT"
