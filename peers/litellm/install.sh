#!/usr/bin/env bash
# LiteLLM proxy, pinned, in its own virtual environment: .peers/litellm/venv (or $1/litellm/venv).
# 1.110.x does not resolve on the package index (it needs litellm-proxy==1.110.x), so 1.108.7 it is.
set -euo pipefail
VERSION=1.108.7
ROOT="${1:-.peers}/litellm"
PYTHON="${PEERS_PYTHON_LITELLM:-python3.11}"
if [ -x "$ROOT/venv/bin/litellm" ] && [ "$(cat "$ROOT/installed" 2>/dev/null)" = "$VERSION" ]; then
  echo "litellm $VERSION already installed in $ROOT/venv"; exit 0
fi
mkdir -p "$ROOT"
"$PYTHON" -m venv "$ROOT/venv"
# Every dependency at the version peers/litellm/constraints.txt pins (PEERS_UNLOCKED=1 re-resolves, to re-make it).
LOCK=(-c "$(cd "$(dirname "$0")" && pwd)/constraints.txt")
[ -z "${PEERS_UNLOCKED:-}" ] || LOCK=()
"$ROOT/venv/bin/pip" install --quiet --disable-pip-version-check "${LOCK[@]}" "litellm[proxy]==$VERSION"
echo "$VERSION" > "$ROOT/installed"
echo "litellm $VERSION installed in $ROOT/venv"
