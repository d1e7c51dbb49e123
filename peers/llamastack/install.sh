#!/usr/bin/env bash
# llama-stack, pinned, in its own Python >= 3.12 virtual environment: .peers/llamastack/venv (or $1/llamastack/venv).
# Then the dependencies of the providers that peers/llamastack/config.yaml uses (`llama stack list-deps`), with mcp
# below 2 (mcp 2.x breaks `llama` with `ImportError: McpError`).
set -euo pipefail
VERSION=0.7.3
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="${1:-.peers}/llamastack"
# shellcheck source=../python_peer.sh
. "$HERE/../python_peer.sh"
already_installed llama-stack llama "$VERSION" "$ROOT"
find_python llama-stack 12 PEERS_PYTHON_LLAMASTACK
mkdir -p "$ROOT"
"$PYTHON" -m venv "$ROOT/venv"
# Every dependency at the version peers/llamastack/constraints.txt pins (PEERS_UNLOCKED=1 re-resolves, to re-make it).
PIP=("$ROOT/venv/bin/pip" install --quiet --disable-pip-version-check)
[ -n "${PEERS_UNLOCKED:-}" ] || PIP+=(-c "$HERE/constraints.txt")
"${PIP[@]}" "llama-stack==$VERSION" "mcp<2"
# The providers' own dependencies, as llama-stack lists them for this configuration (rendered with a dummy upstream).
sed "s|\${UPSTREAM}|http://127.0.0.1:1|g; s|\${STATE}|$ROOT/state|g; s|\${KEY}|unused|g; s|\${MODEL}|unused|g" \
    "$HERE/config.yaml" > "$ROOT/list-deps.yaml"
# (Lines with pip options, such as torch from its own index for embedding providers, are not needed here.)
# A configuration llama-stack cannot read would list nothing, and the install would break only at launch: stop here.
LISTED="$("$ROOT/venv/bin/llama" stack list-deps "$ROOT/list-deps.yaml" --format deps-only)" \
  || { echo "llama stack list-deps could not read $ROOT/list-deps.yaml" >&2; exit 1; }
mapfile -t DEPS < <(printf '%s\n' "$LISTED" | grep -v -- '--' | tr ' ' '\n' | grep -v '^$' | sort -u || true)
if [ "${#DEPS[@]}" -gt 0 ]; then "${PIP[@]}" "${DEPS[@]}" "mcp<2"; fi
# Offline start-up: the faiss provider loads tiktoken's cl100k_base, which tiktoken would download. LiteLLM's wheel
# ships that file (named by the SHA-1 of its URL, as tiktoken's cache expects); take it from there.
TOKENS="$ROOT/tiktoken"
if [ ! -s "$TOKENS/9b5ad71b2ce5302211f9c61530b329a4922fc6a4" ]; then
  mkdir -p "$TOKENS" "$ROOT/wheel"
  "$ROOT/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps "litellm==1.108.7" -d "$ROOT/wheel"
  "$ROOT/venv/bin/python" - "$ROOT/wheel" "$TOKENS" <<'PY'
import pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("litellm-*.whl"))
name = "litellm/litellm_core_utils/tokenizers/9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
(pathlib.Path(sys.argv[2]) / name.rsplit("/", 1)[1]).write_bytes(zipfile.ZipFile(wheel).read(name))
PY
  rm -rf "$ROOT/wheel"
fi
echo "$VERSION" > "$ROOT/installed"
echo "llama-stack $VERSION installed in $ROOT/venv"
