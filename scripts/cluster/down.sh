#!/usr/bin/env bash
# Stops the local test cluster started by up.sh: our sshd (and its open sessions), every job,
# slurmd, slurmctld, munged. Only processes named by our pid files (and processes of our jobs) are
# touched. Idempotent. Keeps the state folder (keys, logs, Slurm state) unless --purge.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/cluster/common.sh
source "$HERE/common.sh"

purge=0
case "${1:-}" in
  "") ;;
  --purge) purge=1 ;;
  *) die "usage: $0 [--purge]" ;;
esac
require_root
if [ ! -d "$STATE" ]; then
  step "nothing to stop ($STATE does not exist)"
  if [ "$purge" = 1 ] && [ -f "$SLURM_CONF" ] && grep -qF "$SLURM_CONF_MARKER" "$SLURM_CONF"; then rm -f "$SLURM_CONF"; fi
  exit 0
fi
take_lock

# descendants PID...: the given pids and all their descendants, parents first.
descendants() {
  local p
  for p in "$@"; do
    echo "$p"
    # shellcheck disable=SC2046
    descendants $(ps -o pid= --ppid "$p")
  done
}

# 1. The login node first, so nothing new is submitted while we tear down. Its per-connection
#    processes are children of the listener and outlive it, and the commands they run (e.g. a
#    `tail -f` of a log) would be orphaned, not killed, when a connection ends: end them all.
if pid="$(pid_of "$SSHD_PID" /usr/sbin/sshd)"; then
  # shellcheck disable=SC2046
  sessions="$(descendants $(ps -o pid= --ppid "$pid") | tr '\n' ' ')"
  step "stopping sshd (pid $pid) and its sessions (${sessions:-none})"
  stop_daemon sshd "$SSHD_PID" /usr/sbin/sshd
  # shellcheck disable=SC2086
  [ -z "$sessions" ] || kill -TERM $sessions 2>/dev/null || true
else
  step "sshd not running"
  rm -f "$SSHD_PID"
fi

# 2. Jobs: scancel while slurmctld and slurmd still run, so Slurm kills each job's process tree
#    (proctrack/linuxproc) and records the jobs as CANCELLED.
if pid_of "$SLURMCTLD_PID" /usr/sbin/slurmctld >/dev/null && scontrol ping 2>/dev/null | grep -q 'is UP'; then
  njobs="$(squeue -h -o '%i' 2>/dev/null | wc -l)"
  step "cancelling jobs ($njobs in squeue)"
  if [ "$njobs" -gt 0 ]; then
    scancel --user=root 2>/dev/null || true
    # KillWait=5: SIGTERM, then SIGKILL 5 s later; allow for that plus epilog/completing.
    for _ in $(seq 1 100); do
      [ -z "$(squeue -h -o '%i' 2>/dev/null)" ] && break
      sleep 0.2
    done
    if [ -n "$(squeue -h -o '%i' 2>/dev/null)" ]; then
      echo "    jobs left after 20 s, sending SIGKILL"
      scancel --user=root --full --signal=KILL 2>/dev/null || true
      sleep 1
    fi
  fi
fi

# 3. slurmd (it does not kill running steps when it stops; step 2 did).
step "stopping slurmd"
stop_daemon slurmd "$SLURMD_PID" /usr/sbin/slurmd

# 4. Anything a job left behind (steps that slurmd no longer manages, processes that escaped
#    their job's tree by double-forking): found by their Slurm environment or as slurmstepd.
leftover="$( { job_pids; stepd_pids; } | sort -un)"
if [ -n "$leftover" ]; then
  step "killing $(printf '%s\n' "$leftover" | wc -l) leftover job process(es): $(tr '\n' ' ' <<<"$leftover")"
  # shellcheck disable=SC2086
  kill -KILL $leftover 2>/dev/null || true
fi

# 5. Controller and munge last (slurmd and clients need munge to talk to slurmctld).
step "stopping slurmctld"
stop_daemon slurmctld "$SLURMCTLD_PID" /usr/sbin/slurmctld
step "stopping munged"
stop_daemon munged "$MUNGE_PID" /usr/sbin/munged

if [ "$purge" = 1 ]; then
  step "purging $STATE and $SLURM_CONF"
  # /etc/slurm/slurm.conf only if we wrote it.
  if [ -f "$SLURM_CONF" ] && grep -qF "$SLURM_CONF_MARKER" "$SLURM_CONF"; then rm -f "$SLURM_CONF"; fi
  # Our line in Lmod's modulespath (the modulefiles themselves go with the state folder).
  if grep -qxF "$MODULESPATH_LINE" "$LMOD_MODULESPATH" 2>/dev/null; then
    grep -vxF "$MODULESPATH_LINE" "$LMOD_MODULESPATH" >"$LMOD_MODULESPATH.tmp" || true
    mv "$LMOD_MODULESPATH.tmp" "$LMOD_MODULESPATH"
  fi
  exec 9>&-
  rm -rf "$STATE"
else
  # slurm.conf stays in /etc/slurm (it is ours: up.sh rewrites it); clients then fail with
  # "Unable to contact slurm controller" rather than a missing-config error.
  step "cluster down (state, keys and logs kept in $STATE; --purge removes them)"
fi
