#!/usr/bin/env bash
# Nothing of the gateway to install (it is this project's); the real model, once, into the cache.
set -euo pipefail
exec "${PEERS_HARNESS_PYTHON:-python3}" -m real_model --install-only
