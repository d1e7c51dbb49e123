#!/usr/bin/env bash
# Start llama-stack in front of the real model: launch.sh UPSTREAM_URL PORT [PEERS_ROOT] (peers/llamastack/launch.sh
# with the real model's key and model, and a state folder of its own).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
export LLAMASTACK_UPSTREAM_KEY=sk-upstream-real LLAMASTACK_UPSTREAM_MODEL=smollm2-135m-instruct LLAMASTACK_RUN=real
exec bash "$HERE/../llamastack/launch.sh" "$1" "$2" "${3:-.peers}"
