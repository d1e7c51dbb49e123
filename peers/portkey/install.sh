#!/usr/bin/env bash
# Portkey's open-source gateway, pinned, from npm into .peers/portkey/node_modules (or $1/portkey). Needs Node >= 18.
set -euo pipefail
VERSION=1.15.2
ROOT="${1:-.peers}/portkey"
if [ -f "$ROOT/node_modules/@portkey-ai/gateway/build/start-server.js" ] && [ "$(cat "$ROOT/installed" 2>/dev/null)" = "$VERSION" ]; then
  echo "portkey gateway $VERSION already installed in $ROOT"; exit 0
fi
mkdir -p "$ROOT"
[ -f "$ROOT/package.json" ] || echo '{"name": "peers-portkey", "private": true}' > "$ROOT/package.json"
npm install --prefix "$ROOT" --no-audit --no-fund --loglevel=error "@portkey-ai/gateway@$VERSION"
echo "$VERSION" > "$ROOT/installed"
echo "portkey gateway $VERSION installed in $ROOT"
