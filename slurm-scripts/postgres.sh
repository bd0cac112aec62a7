#!/usr/bin/env bash
# aifb: a PostgreSQL server made fresh for one benchmark (service kind postgres), started by the
# service job script on the port the job picked ($AIFB_PORT), listening on $AIFB_BIND_HOST.
# Usage: postgres.sh BINDIR ROLE PASSWORD_FILE [postgres arguments...]
#   BINDIR         folder holding initdb and postgres; '' = find it (PATH, pg_config, the newest
#                  /usr/lib/postgresql/<v>/bin, where Debian puts them)
#   ROLE           the superuser initdb creates (the clients log in as it)
#   PASSWORD_FILE  drawn here (random, owner-only): every connection needs it; the worker reads
#                  it from the job's folder for its probe and hands it to the clients
# The cluster lives in the job's folder (pgdata/). Unix sockets are off: a job folder's path can
# exceed the 107 bytes a socket path may have, and everything connects over TCP anyway.
# PostgreSQL refuses to run as root: as root (a container, a test machine) the server runs as
# AIFB_POSTGRES_USER (default postgres, else nobody) in a private folder under TMPDIR instead,
# removed when it exits.
set -euo pipefail
usage="usage: postgres.sh BINDIR ROLE PASSWORD_FILE [postgres arguments...]"
bindir=${1?$usage}
role=${2:?$usage}
password_file=${3:?$usage}
shift 3

if [ -z "$bindir" ]; then
  if command -v postgres >/dev/null 2>&1; then
    bindir=$(dirname "$(command -v postgres)")
  elif command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/postgres" ]; then
    bindir=$(pg_config --bindir)
  else
    bindir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
  fi
fi
for program in initdb postgres; do
  [ -x "$bindir/$program" ] || {
    echo "aifb: no $program in '${bindir:-(not found)}': install PostgreSQL or give service.binDir" >&2
    exit 127
  }
done

umask 077
if [ ! -s "$password_file" ]; then
  od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$password_file.tmp"
  mv "$password_file.tmp" "$password_file"
fi

as=()
base=$AIFB_JOB_DIR
if [ "$(id -u)" -eq 0 ]; then
  user=${AIFB_POSTGRES_USER:-}
  if [ -z "$user" ]; then
    if id postgres >/dev/null 2>&1; then user=postgres; else user=nobody; fi
  fi
  base=$(mktemp -d "${TMPDIR:-/tmp}/aifb-postgres.XXXXXX")
  trap 'rm -rf "$base"' EXIT
  chown "$user:$(id -gn "$user")" "$base"
  as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups --)
  # Its own folder as the working directory: the job's may not be open to that user.
  cd "$base"
  echo "aifb: running as root: the server runs as $user in $base" >&2
fi
data=$base/pgdata

if [ ! -s "$data/PG_VERSION" ]; then
  # initdb reads the password from a file its user can read; it is gone once initdb is done.
  pwfile=$base/initdb-password
  cp "$password_file" "$pwfile"
  [ ${#as[@]} -eq 0 ] || chown "$user" "$pwfile"
  ${as[@]+"${as[@]}"} "$bindir/initdb" -D "$data" -U "$role" --pwfile="$pwfile" --auth=scram-sha-256 \
    -E UTF8 --locale=C --no-sync >"$base/initdb.log" 2>&1 || {
    cat "$base/initdb.log" >&2
    exit 1
  }
  rm -f "$pwfile"
fi

# A cancel sends TERM to every process of the job: the server's own TERM is a smart shutdown
# (it waits for sessions to end); INT makes it a fast one. This script stays to clean up.
pid=
trap '[ -z "$pid" ] || kill -INT "$pid" 2>/dev/null || true' TERM INT
${as[@]+"${as[@]}"} "$bindir/postgres" -D "$data" -p "$AIFB_PORT" -c listen_addresses="${AIFB_BIND_HOST:-0.0.0.0}" \
  -c unix_socket_directories= "$@" &
pid=$!
status=0
wait "$pid" || status=$?
while kill -0 "$pid" 2>/dev/null; do wait "$pid" || status=$?; done
exit "$status"
