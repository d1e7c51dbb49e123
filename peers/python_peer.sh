# shellcheck shell=bash
# Sourced by the Python peers' install.sh (llama-stack, otari): what both do before installing.

# already_installed NAME EXECUTABLE VERSION ROOT: stop here (exit 0) when ROOT/venv has this VERSION installed.
already_installed() {
  if [ -x "$4/venv/bin/$2" ] && [ "$(cat "$4/installed" 2>/dev/null)" = "$3" ]; then
    echo "$1 $3 already installed in $4/venv"; exit 0
  fi
}

# find_python NAME MINOR OVERRIDE: set PYTHON to the interpreter in $OVERRIDE, else the first python3.MINOR or newer
# found (pyenv's included); exit 1 saying what is needed when there is none.
find_python() {
  PYTHON="${!3:-}"
  if [ -z "$PYTHON" ]; then
    for candidate in "python3.$2" "python3.$(($2 + 1))" "python3.$(($2 + 2))" "$HOME"/.pyenv/versions/3."$2"*/bin/python3."$2"; do
      if "$candidate" -c "import sys; assert sys.version_info >= (3, $2)" 2>/dev/null; then PYTHON="$candidate"; break; fi
    done
  fi
  [ -n "$PYTHON" ] || { echo "$1 needs Python >= 3.$2 (set $3)" >&2; exit 1; }
}
