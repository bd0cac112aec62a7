#!/usr/bin/env bash
# Installs a production Temporal server for the deploy test tier: the official server
# (`temporal-server`, module go.temporal.io/server, package cmd/server) and its SQL schema tool
# (`temporal-sql-tool`, cmd/tools/sql), built from source with Go from the Go module proxy
# (MIT), once per machine, into a cache outside the clone keyed by version:
#   ${AIFB_CACHE:-~/.cache/aifb}/temporal-server/<version>/{temporal-server,temporal-sql-tool,schema/}
# and linked as .../temporal-server/bin/ (what the tests run). The module's schema/ folder (the
# PostgreSQL schema and its versioned migrations) is copied beside the binaries: the sql tool
# applies it. CGO off: the pure-Go build needs no C compiler. The module asks for a newer Go
# than the machine may have: GOTOOLCHAIN=auto fetches that toolchain (module golang.org/toolchain)
# from the same Go proxy. GOFLAGS from the environment; -mod=mod so the module's go.mod/go.sum decide.
set -euo pipefail

TEMPORAL_SERVER_VERSION=v1.32.2
MODULE=go.temporal.io/server

cache="${AIFB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aifb}/temporal-server"
dir="$cache/$TEMPORAL_SERVER_VERSION"
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ -x "$dir/temporal-server" ] && [ -x "$dir/temporal-sql-tool" ] && [ -d "$dir/schema/postgresql" ]; then
  step "Temporal server $TEMPORAL_SERVER_VERSION cached ($dir)"
else
  go=$(command -v go || true)
  [ -n "$go" ] || { [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go; } || true
  if [ -z "$go" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    step "Go from Debian (golang-go) to build the Temporal server"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends golang-go ca-certificates >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends golang-go ca-certificates >/dev/null; }
    go=$(command -v go || true)
  fi
  [ -n "$go" ] || { echo "building the Temporal server needs Go (Debian: apt-get install golang-go)" >&2; exit 1; }
  started=$(date +%s)
  step "Temporal server $TEMPORAL_SERVER_VERSION: building $MODULE/cmd/server and cmd/tools/sql (one time, many minutes on 2 cores; log: $cache/build.log)"
  mkdir -p "$cache"
  rm -rf "$dir.part" && mkdir -p "$dir.part"
  export GOTOOLCHAIN=auto GOFLAGS="-mod=mod ${GOFLAGS:-}" CGO_ENABLED=0
  {
    GOBIN="$dir.part" nice "$go" install -trimpath \
      "$MODULE/cmd/server@$TEMPORAL_SERVER_VERSION" "$MODULE/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"
  } >"$cache/build.log" 2>&1 \
    || { tail -30 "$cache/build.log" >&2; echo "Temporal server build failed; whole log: $cache/build.log" >&2; exit 1; }
  mv "$dir.part/server" "$dir.part/temporal-server"
  mv "$dir.part/sql" "$dir.part/temporal-sql-tool"
  src=$(GOFLAGS=-mod=mod "$go" mod download -json "$MODULE@$TEMPORAL_SERVER_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src/schema/postgresql" ] || { echo "no schema/postgresql in $src" >&2; exit 1; }
  cp -r "$src/schema" "$dir.part/schema" && chmod -R u+w "$dir.part/schema"
  rm -rf "$dir" && mv "$dir.part" "$dir"
  step "Temporal server built in $(( $(date +%s) - started ))s"
fi
mkdir -p "$cache/bin"
ln -sfn "$dir/temporal-server" "$cache/bin/temporal-server"
ln -sfn "$dir/temporal-sql-tool" "$cache/bin/temporal-sql-tool"
ln -sfn "$dir/schema" "$cache/bin/schema"
