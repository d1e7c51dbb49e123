#!/usr/bin/env bash
# Portkey's open-source gateway, pinned, from npm into .peers/portkey/node_modules (or $1/portkey). Needs Node >= 18.
set -euo pipefail
VERSION=1.15.2
ROOT="${1:-.peers}/portkey"
if [ -f "$ROOT/node_modules/@portkey-ai/gateway/build/start-server.js" ] && [ "$(cat "$ROOT/installed" 2>/dev/null)" = "$VERSION" ]; then
  echo "portkey gateway $VERSION already installed in $ROOT"; exit 0
fi
mkdir -p "$ROOT"
# The gateway and every dependency at the version peers/portkey/package-lock.json pins (npm ci installs exactly that).
HERE="$(cd "$(dirname "$0")" && pwd)"
cp "$HERE/package.json" "$HERE/package-lock.json" "$ROOT/"
npm ci --prefix "$ROOT" --no-audit --no-fund --loglevel=error
echo "$VERSION" > "$ROOT/installed"
echo "portkey gateway $VERSION installed in $ROOT"
