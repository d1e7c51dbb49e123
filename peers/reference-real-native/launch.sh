#!/usr/bin/env bash
# The reference gateway in front of the real model, as peers/reference-real starts it (its config has both routes).
set -euo pipefail
exec bash "$(cd "$(dirname "$0")" && pwd)/../reference-real/launch.sh" "$@"
