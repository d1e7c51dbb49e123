#!/usr/bin/env bash
# Start Portkey's gateway: launch.sh UPSTREAM_URL PORT [PEERS_ROOT] (installed by install.sh into
# PEERS_ROOT/portkey, default .peers). It has no configuration of its own: every request names its provider and
# upstream in headers (x-portkey-provider, x-portkey-custom-host; see targets.yaml), so UPSTREAM_URL is unused here.
set -euo pipefail
PORT="$2"; ROOT="$(cd "${3:-.peers}" && pwd)/portkey"
cd "$ROOT"
exec node node_modules/@portkey-ai/gateway/build/start-server.js --port="$PORT" --headless
