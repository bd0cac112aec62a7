#!/usr/bin/env bash
# Installs VictoriaLogs, the real log store of the telemetry tier (it accepts Loki's push API at
# /insert/loki/api/v1/push and answers LogsQL at /select/logsql/query). Loki itself has no
# binary in the package registries, so VictoriaLogs stands in for it in tests; users deploy Loki.
# Built from source with Go from the Go module proxy (module github.com/VictoriaMetrics/VictoriaLogs,
# Apache-2.0), once per machine, into a cache outside the clone keyed by version:
#   ${AIFB_CACHE:-~/.cache/aifb}/victorialogs/v<version>/victoria-logs
# and linked as .../victorialogs/bin/victoria-logs (what the tests run). CGO off: the pure-Go
# build needs no C compiler. GOPROXY and GOFLAGS come from the environment as the machine sets
# them; -mod=mod is added so the module's own go.mod/go.sum decide the dependencies.
set -euo pipefail

VICTORIALOGS_VERSION=v1.52.1
MODULE=github.com/VictoriaMetrics/VictoriaLogs
PACKAGE=$MODULE/app/victoria-logs

cache="${AIFB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aifb}/victorialogs"
dir="$cache/$VICTORIALOGS_VERSION"
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ -x "$dir/victoria-logs" ]; then
  step "VictoriaLogs $VICTORIALOGS_VERSION cached ($dir)"
else
  go=$(command -v go || true)
  [ -n "$go" ] || { [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go; } || true
  if [ -z "$go" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    # Debian's Go may be older than the module asks: GOTOOLCHAIN=auto (the default) then fetches
    # the right toolchain as a module from the Go proxy.
    step "Go from Debian (golang-go) to build VictoriaLogs"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends golang-go ca-certificates >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends golang-go ca-certificates >/dev/null; }
    go=$(command -v go || true)
  fi
  [ -n "$go" ] || { echo "building VictoriaLogs needs Go (Debian: apt-get install golang-go)" >&2; exit 1; }
  started=$(date +%s)
  step "VictoriaLogs $VICTORIALOGS_VERSION: building $PACKAGE with $("$go" version | cut -d' ' -f3) (one time; log: $cache/build.log)"
  mkdir -p "$cache"
  rm -rf "$dir.part" && mkdir -p "$dir.part"
  GOBIN="$dir.part" GOFLAGS="-mod=mod ${GOFLAGS:-}" CGO_ENABLED=0 \
    "$go" install -trimpath "$PACKAGE@$VICTORIALOGS_VERSION" >"$cache/build.log" 2>&1 \
    || { tail -30 "$cache/build.log" >&2; echo "VictoriaLogs build failed; whole log: $cache/build.log" >&2; exit 1; }
  rm -rf "$dir" && mv "$dir.part" "$dir"
  step "VictoriaLogs built in $(( $(date +%s) - started ))s"
fi
mkdir -p "$cache/bin"
ln -sfn "$dir/victoria-logs" "$cache/bin/victoria-logs"
