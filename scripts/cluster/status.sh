#!/usr/bin/env bash
# Prints what of the local test cluster runs: our daemons (by pid file), node and partition,
# the queue and the ssh endpoint. Exit 0 when everything is up, 1 otherwise.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/cluster/common.sh
source "$HERE/common.sh"

up=0
show() {
  local name="$1" pidfile="$2" exe="$3" pid
  if pid="$(pid_of "$pidfile" "$exe")"; then
    printf '  %-10s running  pid %s\n' "$name" "$pid"
  else
    printf '  %-10s stopped\n' "$name"
    up=1
  fi
}
echo "aifb test cluster, state in $STATE"
show munged "$MUNGE_PID" /usr/sbin/munged
show slurmctld "$SLURMCTLD_PID" /usr/sbin/slurmctld
show slurmd "$SLURMD_PID" /usr/sbin/slurmd
show sshd "$SSHD_PID" /usr/sbin/sshd
if [ -s "$SSH_PORT_FILE" ]; then
  echo "  ssh        root@127.0.0.1 -p $(cat "$SSH_PORT_FILE") -i $SSH_CLIENT_KEY -o UserKnownHostsFile=$SSH_KNOWN_HOSTS"
fi
if pid_of "$SLURMCTLD_PID" /usr/sbin/slurmctld >/dev/null; then
  echo "--- sinfo"
  sinfo -N -o '%N %P %T %C %m' 2>&1
  echo "--- squeue"
  squeue -o '%i %j %T %M %R' 2>&1
fi
exit "$up"
