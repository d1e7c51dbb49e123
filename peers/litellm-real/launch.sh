#!/usr/bin/env bash
# Start LiteLLM's proxy in front of the real model: launch.sh UPSTREAM_URL PORT [PEERS_ROOT], with this folder's
# config.yaml (peers/litellm/launch.sh does the rest).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
exec bash "$HERE/../litellm/launch.sh" "$1" "$2" "${3:-.peers}" "$HERE/config.yaml"
