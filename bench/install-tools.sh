#!/usr/bin/env bash
# Installs the pinned comparison clients for `npm run bench:loadgen` (idempotent).
#   k6  — built from the Go module proxy into .tools/bin (first build takes a few minutes)
#   wrk, curl — Debian packages (apt-get), only if missing
set -euo pipefail
cd "$(dirname "$0")/.."
K6_VERSION=v1.8.1
BIN="$PWD/.tools/bin"
mkdir -p "$BIN"
if [[ ! -x "$BIN/k6" ]] || ! "$BIN/k6" version 2>/dev/null | grep -q "${K6_VERSION}"; then
  echo "installing k6 ${K6_VERSION} (go install from the module proxy)..." >&2
  GOBIN="$BIN" GOFLAGS=-mod=mod go install "go.k6.io/k6@${K6_VERSION}"
fi
for tool in wrk curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "installing $tool (apt-get)..." >&2
    apt-get install -y "$tool" >/dev/null
  fi
done
