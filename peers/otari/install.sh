#!/usr/bin/env bash
# otari (mozilla-ai's gateway, built on any-llm-sdk), pinned to a commit, in its own Python >= 3.13 virtual
# environment: .peers/otari/venv (or $1/otari/venv). It is not on a package registry (PyPI's `otari` is its client
# SDK; the gateway's own distribution is named `gateway` and unpublished), so its source comes from
#   $OTARI_SRC   a checkout (a directory with pyproject.toml), a git repository (bare or not: the pinned commit is
#                taken with `git archive`), or an archive of the source (.tar.gz/.tgz/.tar/.zip);
#   otherwise    the local mirror /work/.mirror/mozilla-ai+otari/repo (`git archive` of the pinned commit).
# The source is kept (unpacked) in .peers/otari/src, which the venv installs editable.
# The dashboard's bundle is built, not committed, and is not built here: otari then serves its tutorial page at /.
set -euo pipefail
COMMIT=0e2634c37d278bdb4a85645a492ef559d93ed2e5
MIRROR=/work/.mirror/mozilla-ai+otari/repo
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="${1:-.peers}/otari"
# shellcheck source=../python_peer.sh
. "$HERE/../python_peer.sh"
already_installed otari otari "$COMMIT" "$ROOT"
find_python otari 13 PEERS_PYTHON_OTARI
mkdir -p "$ROOT"
SRC="$ROOT/src"
rm -rf "$SRC"; mkdir -p "$SRC"
from_git() { git -C "$1" archive "$COMMIT" | tar -x -C "$SRC"; }
if [ -n "${OTARI_SRC:-}" ]; then
  if [ -d "$OTARI_SRC" ] && git -C "$OTARI_SRC" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
    from_git "$OTARI_SRC"
  elif [ -f "$OTARI_SRC/pyproject.toml" ]; then
    echo "otari: using the checkout $OTARI_SRC as it is (not checked against $COMMIT)" >&2
    cp -a "$OTARI_SRC/." "$SRC/"
  elif [ -f "$OTARI_SRC" ]; then
    case "$OTARI_SRC" in
      *.zip) "$PYTHON" -m zipfile -e "$OTARI_SRC" "$SRC" ;;
      *) tar -xf "$OTARI_SRC" -C "$SRC" ;;
    esac
    # An archive with one top-level folder (GitHub's, `git archive --prefix`): use that folder.
    if [ ! -f "$SRC/pyproject.toml" ]; then
      inner="$(find "$SRC" -mindepth 2 -maxdepth 2 -name pyproject.toml -printf '%h\n' | head -n 1)"
      [ -n "$inner" ] || { echo "otari: no pyproject.toml in $OTARI_SRC" >&2; exit 1; }
      SRC="$inner"
    fi
  else
    echo "otari: OTARI_SRC=$OTARI_SRC is neither a checkout, a git repository holding $COMMIT, nor an archive" >&2
    exit 1
  fi
elif [ -d "$MIRROR" ] && git -C "$MIRROR" cat-file -e "$COMMIT^{commit}" 2>/dev/null; then
  from_git "$MIRROR"
else
  echo "otari is not on a package registry (PyPI's \`otari\` is its client SDK), so its source must be given:" >&2
  echo "  OTARI_SRC=<checkout, git repository or archive of github.com/mozilla-ai/otari at $COMMIT> $0 ${1:-.peers}" >&2
  exit 1
fi
"$PYTHON" -m venv "$ROOT/venv"
# Every dependency at the version peers/otari/constraints.txt pins (PEERS_UNLOCKED=1 re-resolves, to re-make it).
PIP=("$ROOT/venv/bin/pip" install --quiet --disable-pip-version-check)
[ -n "${PEERS_UNLOCKED:-}" ] || PIP+=(-c "$HERE/constraints.txt")
# Editable, as otari's own image installs it (`uv sync`): it runs its database migrations from the alembic/ folder
# beside src/ (gateway/core/database.py looks three levels above itself), which a regular install leaves behind.
"${PIP[@]}" -e "$SRC"
echo "$COMMIT" > "$ROOT/installed"
echo "otari $COMMIT installed in $ROOT/venv"
