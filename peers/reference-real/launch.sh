#!/usr/bin/env bash
# Start the reference gateway in front of the real model: launch.sh UPSTREAM_URL PORT [PEERS_ROOT]. It is this
# project's own gateway, run by the harness's interpreter ($PEERS_HARNESS_PYTHON, set by peers/run.py).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(mkdir -p "${3:-.peers}/reference-real" && cd "${3:-.peers}/reference-real" && pwd)"
# A storage of its own per port: peers/reference-real-native runs this too, maybe side by side.
rm -f "$ROOT/storage-$2.sqlite"
export UPSTREAM_URL="$1" GATEWAY_STORAGE="$ROOT/storage-$2.sqlite"
exec "${PEERS_HARNESS_PYTHON:-python3}" -m reference_gateway --config "$HERE/config.yaml" --host 127.0.0.1 --port "$2"
