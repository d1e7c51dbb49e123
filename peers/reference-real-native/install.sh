#!/usr/bin/env bash
# As peers/reference-real: the real model, once, into the cache.
set -euo pipefail
exec bash "$(cd "$(dirname "$0")" && pwd)/../reference-real/install.sh" "$@"
