#!/usr/bin/env bash
# llama-stack as peers/llamastack installs it (pinned, shared), and the real model (once, into the cache).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
bash "$HERE/../llamastack/install.sh" "$@"
exec "${PEERS_HARNESS_PYTHON:-python3}" -m real_model --install-only
