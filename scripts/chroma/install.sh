#!/usr/bin/env bash
# Installs the real Chroma server of the vector-search tests and examples/chroma-vector-search.yaml:
# PyPI `chromadb` (its `chroma run` serves the HTTP API) in a venv outside the clone, keyed by
# version, so a machine installs it once (~2 min, ~520 MB). The path of `chroma` goes into
# $AIFB_CACHE/chroma/env (read by the tests) and the stable link $AIFB_CACHE/chroma/bin/chroma
# (used by the example). Downloads come only from PyPI.
set -euo pipefail

CHROMADB_VERSION=1.5.9

cache="${AIFB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aifb}/chroma"
venv="$cache/chromadb-$CHROMADB_VERSION"
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
mkdir -p "$cache"

# The marker is written last: a venv without it is an interrupted install, made again.
if [ -x "$venv/bin/chroma" ] && [ -f "$venv/.aifb-complete" ]; then
  step "chromadb $CHROMADB_VERSION cached ($venv)"
else
  command -v python3 >/dev/null || { echo "python3 is required to install chromadb" >&2; exit 1; }
  started=$(date +%s)
  step "chromadb $CHROMADB_VERSION from PyPI into $venv (one time, ~2 min)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "chromadb==$CHROMADB_VERSION"
  "$venv/bin/chroma" --help >/dev/null
  touch "$venv/.aifb-complete"
  step "chromadb installed in $(( $(date +%s) - started ))s"
fi

mkdir -p "$cache/bin"
ln -sfn "$venv/bin/chroma" "$cache/bin/chroma"
echo "AIFB_CHROMA=$venv/bin/chroma" > "$cache/env"
step "chroma ready: $cache/bin/chroma"
