#!/usr/bin/env bash
# Start otari in front of the emulated upstreams: launch.sh UPSTREAM_URL PORT [PEERS_ROOT]
# (installed by install.sh into PEERS_ROOT/otari, default .peers). Runs in the foreground; state starts empty.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
UPSTREAM="$1"; PORT="$2"; ROOT="$(cd "${3:-.peers}" && pwd)/otari"
STATE="$ROOT/state"
rm -rf "$STATE"; mkdir -p "$STATE/files" "$ROOT/run"
sed "s|\${UPSTREAM}|$UPSTREAM|g; s|\${STATE}|$STATE|g" "$HERE/config.yaml" > "$ROOT/run/config.yaml"
# otari reads a .env in its working directory; run where there is none.
cd "$ROOT/run"
# Clients need a gw- key, and otari mints its keys at random: on an empty database it creates one ("bootstrap")
# and prints it. Its value is fixed here (the one peers/otari/targets.yaml sends), so that the targets can name it.
export OTARI_BOOTSTRAP_KEY="${OTARI_BOOTSTRAP_KEY:-gw-conformance-0000000000000000000000000000000000000000000000}"
exec "$ROOT/venv/bin/python" - serve --config "$ROOT/run/config.yaml" --host 127.0.0.1 --port "$PORT" <<'PY'
import os
import sys

import gateway.services.bootstrap_service as bootstrap
from gateway.cli import main

bootstrap.generate_api_key = lambda: os.environ["OTARI_BOOTSTRAP_KEY"]
sys.argv[0] = "otari"
main()
PY
