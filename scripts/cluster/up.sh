#!/usr/bin/env bash
# Starts the local test cluster of aifb's slurm executor: a real single-node Slurm cluster
# (munged, slurmctld, slurmd from Debian's slurm-wlm + munge) and an sshd on 127.0.0.1 that plays
# the login node. Idempotent: starts only what is not running; with everything up it checks and
# returns in about a second ("already up"). No systemd: daemons run in the background with pid
# files and logs under the state folder (see common.sh). Run as root.
#
# Environment: AIFB_CLUSTER_DIR (state folder, default /var/lib/aifb-cluster),
# AIFB_CLUSTER_SSH_PORT (first port tried, default 2222), AIFB_CLUSTER_CPUS (CPUs declared for the
# node, default `nproc`; a larger value makes slurmd trust the config, see slurm.conf below).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/cluster/common.sh
source "$HERE/common.sh"

started="$(date +%s%N)"
elapsed() { printf '%d.%01d s' "$(( ($(date +%s%N) - started) / 1000000000 ))" "$(( ($(date +%s%N) - started) / 100000000 % 10 ))"; }

require_root

# ---------------------------------------------------------------------------------------------
# Packages. `dpkg -s` first so that a second run never touches apt.
PACKAGES=(slurm-wlm munge openssh-server)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "installing ${missing[*]} (apt-get)"
  # No init system here: keep the packages' postinst scripts from starting the Debian-default
  # munged/sshd/slurm services (they would take the munge socket or port 22). A policy-rc.d that
  # exits 101 is the standard way; add one only for the install if none exists.
  tmp_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    tmp_policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$tmp_policy"
    chmod 0755 "$tmp_policy"
    trap 'rm -f "$tmp_policy"' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Wait for the dpkg lock rather than fail if another engineer's apt is running.
  apt-get -o DPkg::Lock::Timeout=300 update -q
  apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${PACKAGES[@]}"
  if [ -n "$tmp_policy" ]; then rm -f "$tmp_policy"; trap - EXIT; fi
else
  step "packages present (${PACKAGES[*]})"
fi

take_lock

# ---------------------------------------------------------------------------------------------
# The two configs we own, rendered to stdout: compared with what is installed (a change restarts
# the daemon that reads it).
cpus="${AIFB_CLUSTER_CPUS:-$(nproc)}"
mem_total_mb="$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"
real_memory=$(( mem_total_mb * 8 / 10 ))   # 80 %: slurmd drains a node that reports less than this
slurmd_parameters=
if [ "$cpus" -gt "$(nproc)" ]; then
  # More CPUs than exist: slurmd would drain the node ("Low socket*core*thread count") unless it
  # trusts the configured values.
  slurmd_parameters="SlurmdParameters=config_overrides"
fi
render_slurm_conf() {
  cat <<EOF
$SLURM_CONF_MARKER (copy in $SLURM_CONF_STATE); cluster-up rewrites it.
# Single-node test cluster for aifb's slurm executor. No systemd, no cgroups, no accounting.
ClusterName=$CLUSTER_NAME
SlurmctldHost=$NODE_NAME(127.0.0.1)
# root runs everything: simplest for a test cluster (jobs are submitted as root over ssh anyway).
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
# Process tracking by parent/child relations, no cgroups (none are delegated to us here).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MailProg=/bin/true
SchedulerType=sched/backfill
# Start submitted batch jobs at the next scheduler tick (~1 s) instead of up to 3 s later.
SchedulerParameters=batch_sched_delay=0
# CPUs are the consumable (no core/thread rounding); memory is not tracked.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# Nodes that were down come back as soon as their slurmd registers.
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
# Finished jobs stay visible to scontrol show job for 5 minutes.
MinJobAge=300
Waittime=0
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$SLURM_DIR/ctld
SlurmdSpoolDir=$SLURM_DIR/d
SlurmctldPidFile=$SLURMCTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$SLURMCTLD_LOG
SlurmdLogFile=$SLURMD_LOG
SlurmctldDebug=info
SlurmdDebug=info
$slurmd_parameters
NodeName=$NODE_NAME NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_memory State=UNKNOWN
# FORCE:64: every CPU can be allocated to up to 64 jobs at once (no gang time-slicing, since
# PreemptMode is OFF): a service job, 8 client array tasks and several benchmarks all run together
# on 2 cores. The jobs mostly wait on I/O; we need concurrency, not exclusivity.
PartitionName=$PARTITION Nodes=$NODE_NAME Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:64
EOF
}
# render_sshd_config PORT
render_sshd_config() {
  local port="$1"
  cat <<EOF
# Generated by aifb scripts/cluster/up.sh: the login node of the local Slurm test cluster.
ListenAddress 127.0.0.1
Port $port
HostKey $SSH_HOST_KEY
PidFile $SSHD_PID
AuthorizedKeysFile $SSH_AUTHORIZED_KEYS
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
# No PAM: no pam_systemd/pam_loginuid surprises without systemd; root's password field is '*'.
UsePAM no
# The key files live in our state folder, not in ~/.ssh: don't let sshd judge their modes.
StrictModes no
# The executor reaches a compute node's port through forwardOut (direct-tcpip).
AllowTcpForwarding yes
AllowStreamLocalForwarding no
X11Forwarding no
PermitTTY yes
PrintMotd no
ClientAliveInterval 15
ClientAliveCountMax 3
# Many parallel sessions and connections (tests open several at once).
MaxSessions 50
MaxStartups 50:30:100
LogLevel INFO
Subsystem sftp internal-sftp
EOF
}

# ---------------------------------------------------------------------------------------------
# Fast path: everything running with the current configs and healthy → nothing to do.
node_state() { sinfo -h -n "$NODE_NAME" -o '%T' 2>/dev/null | head -1; }
ssh_ok() {
  local port
  port="$(cat "$SSH_PORT_FILE" 2>/dev/null)" || return 1
  ssh -i "$SSH_CLIENT_KEY" -o UserKnownHostsFile="$SSH_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
    -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR -p "$port" root@127.0.0.1 true 2>/dev/null
}
all_up() {
  pid_of "$MUNGE_PID" /usr/sbin/munged >/dev/null &&
    pid_of "$SLURMCTLD_PID" /usr/sbin/slurmctld >/dev/null &&
    pid_of "$SLURMD_PID" /usr/sbin/slurmd >/dev/null &&
    pid_of "$SSHD_PID" /usr/sbin/sshd >/dev/null &&
    [ -s "$CLUSTER_JSON" ] && [ -s "$SSH_PORT_FILE" ] &&
    cmp -s <(render_slurm_conf) "$SLURM_CONF" &&
    cmp -s <(render_sshd_config "$(cat "$SSH_PORT_FILE")") "$SSHD_CONFIG" &&
    [[ "$(node_state)" =~ ^(idle|mixed|allocated)$ ]] &&
    ssh_ok
}
if all_up; then
  step "already up: node $NODE_NAME $(node_state), ssh root@127.0.0.1:$(cat "$SSH_PORT_FILE") ($(elapsed))"
  echo "    $CLUSTER_JSON"
  exit 0
fi

# Print the last lines of a log and fail.
fail_with_log() {
  local what="$1" log="$2"
  echo "---- last lines of $log ----" >&2
  tail -n 40 "$log" >&2 2>/dev/null || true
  die "$what"
}

# ---------------------------------------------------------------------------------------------
step "state folder $STATE"
install -d -m 0755 "$STATE" "$LOG_DIR" "$SLURM_DIR" "$SLURM_DIR/ctld" "$SLURM_DIR/d" "$WORK_DIR"
install -d -m 0700 -o munge -g munge "$MUNGE_DIR"
install -d -m 0700 "$SSH_DIR"
install -d -m 0755 -o munge -g munge "$MUNGE_SOCKET_DIR"   # normally made by systemd-tmpfiles
install -d -m 0755 /run/sshd                                # sshd's privilege-separation dir
install -d -m 0755 /etc/slurm

# ---------------------------------------------------------------------------------------------
# munge: the key authenticates slurmctld <-> slurmd <-> clients.
if [ ! -s "$MUNGE_KEY" ]; then
  step "munge key (mungekey)"
  mungekey --create --keyfile="$MUNGE_KEY" --force
fi
chown munge:munge "$MUNGE_KEY"
chmod 0400 "$MUNGE_KEY"

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if pid="$(pid_of "$MUNGE_PID" /usr/sbin/munged)" && munge_ok; then
  step "munged running (pid $pid)"
else
  step "starting munged"
  # As the munge user (what Debian's unit does); --force: take over a stale socket left by a
  # killed munged. It daemonises and writes its pid file.
  runuser -u munge -- /usr/sbin/munged --force \
    --key-file="$MUNGE_KEY" --pid-file="$MUNGE_PID" --seed-file="$MUNGE_SEED" \
    --log-file="$MUNGE_LOG" --socket="$MUNGE_SOCKET_DIR/munge.socket.2" 9>&- ||
    fail_with_log "munged did not start" "$MUNGE_LOG"
  wait_until 60 munge_ok || fail_with_log "munge -n | unmunge fails" "$MUNGE_LOG"
fi

# ---------------------------------------------------------------------------------------------
# slurm.conf (rewritten when it differs; a change restarts the Slurm daemons).
new_conf="$(mktemp)"
render_slurm_conf >"$new_conf"
if [ -f "$SLURM_CONF" ] && ! grep -qF "$SLURM_CONF_MARKER" "$SLURM_CONF"; then
  rm -f "$new_conf"
  die "$SLURM_CONF exists and was not written by this script; move it away first"
fi
conf_changed=0
if ! cmp -s "$new_conf" "$SLURM_CONF"; then
  conf_changed=1
  step "writing $SLURM_CONF (copy in $SLURM_CONF_STATE)"
  install -m 0644 "$new_conf" "$SLURM_CONF"
  install -m 0644 "$new_conf" "$SLURM_CONF_STATE"
fi
rm -f "$new_conf"
if [ "$conf_changed" = 1 ]; then
  # Node definitions are only read at start: restart whatever runs with the old file.
  if pid_of "$SLURMD_PID" /usr/sbin/slurmd >/dev/null || pid_of "$SLURMCTLD_PID" /usr/sbin/slurmctld >/dev/null; then
    step "slurm.conf changed: restarting slurmd and slurmctld"
    stop_daemon slurmd "$SLURMD_PID" /usr/sbin/slurmd
    stop_daemon slurmctld "$SLURMCTLD_PID" /usr/sbin/slurmctld
  fi
fi

# ---------------------------------------------------------------------------------------------
ctld_ok() { scontrol ping 2>/dev/null | grep -q 'is UP'; }
if pid="$(pid_of "$SLURMCTLD_PID" /usr/sbin/slurmctld)"; then
  step "slurmctld running (pid $pid)"
else
  step "starting slurmctld"
  # Daemonises itself and writes SlurmctldPidFile; keeps its saved state (job ids continue).
  /usr/sbin/slurmctld 9>&- || fail_with_log "slurmctld did not start" "$SLURMCTLD_LOG"
fi
wait_until 60 ctld_ok || fail_with_log "slurmctld does not answer scontrol ping" "$SLURMCTLD_LOG"

if pid="$(pid_of "$SLURMD_PID" /usr/sbin/slurmd)"; then
  step "slurmd running (pid $pid)"
else
  step "starting slurmd"
  /usr/sbin/slurmd 9>&- || fail_with_log "slurmd did not start" "$SLURMD_LOG"
fi

step "waiting for node $NODE_NAME to be idle"
node_usable() {
  local s
  s="$(node_state)"
  case "$s" in
    idle | mixed | allocated) return 0 ;;
    # Left down/drained by an earlier run (e.g. slurmd killed): resume it.
    down* | drain*) scontrol update nodename="$NODE_NAME" state=resume >/dev/null 2>&1 || true ;;
  esac
  return 1
}
if ! wait_until 60 node_usable; then
  sinfo -N -l >&2 || true
  scontrol show node "$NODE_NAME" >&2 || true
  echo "---- last lines of $SLURMCTLD_LOG ----" >&2
  tail -n 20 "$SLURMCTLD_LOG" >&2 || true
  fail_with_log "node $NODE_NAME did not become idle within 60 s" "$SLURMD_LOG"
fi

# ---------------------------------------------------------------------------------------------
# sshd: the "login node". Own host key, own client key, own config; listens on 127.0.0.1 only.
if [ ! -s "$SSH_HOST_KEY" ]; then
  step "ssh host key (ed25519)"
  ssh-keygen -q -t ed25519 -N '' -C "aifb-cluster-host" -f "$SSH_HOST_KEY"
fi
if [ ! -s "$SSH_CLIENT_KEY" ]; then
  step "ssh client key (ed25519)"
  ssh-keygen -q -t ed25519 -N '' -C "aifb-cluster-client" -f "$SSH_CLIENT_KEY"
fi
chmod 0600 "$SSH_HOST_KEY" "$SSH_CLIENT_KEY"
install -m 0600 "$SSH_CLIENT_KEY.pub" "$SSH_AUTHORIZED_KEYS"

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }
sshd_pid=
if sshd_pid="$(pid_of "$SSHD_PID" /usr/sbin/sshd)"; then
  port="$(cat "$SSH_PORT_FILE")"
else
  # Keep the port of earlier runs when it is free (tests may have it cached), else take the first
  # free one from AIFB_CLUSTER_SSH_PORT (2222) on.
  port="$(cat "$SSH_PORT_FILE" 2>/dev/null || true)"
  if [ -z "$port" ] || ! port_free "$port"; then
    port="${AIFB_CLUSTER_SSH_PORT:-2222}"
    while ! port_free "$port"; do
      port=$(( port + 1 ))
      [ "$port" -lt $(( ${AIFB_CLUSTER_SSH_PORT:-2222} + 100 )) ] || die "no free port for sshd"
    done
  fi
fi
echo "$port" >"$SSH_PORT_FILE"

new_sshd_config="$(mktemp)"
render_sshd_config "$port" >"$new_sshd_config"
if ! cmp -s "$new_sshd_config" "$SSHD_CONFIG"; then
  install -m 0600 "$new_sshd_config" "$SSHD_CONFIG"
  if [ -n "$sshd_pid" ]; then
    step "sshd_config changed: restarting sshd"
    stop_daemon sshd "$SSHD_PID" /usr/sbin/sshd
    sshd_pid=
  fi
fi
rm -f "$new_sshd_config"
/usr/sbin/sshd -t -f "$SSHD_CONFIG" || die "sshd -t rejects $SSHD_CONFIG"

# known_hosts with our host key, so clients verify it (no blind trust).
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$SSH_HOST_KEY.pub")" >"$SSH_KNOWN_HOSTS"
chmod 0644 "$SSH_KNOWN_HOSTS"

if [ -n "$sshd_pid" ]; then
  step "sshd running (pid $sshd_pid, port $port)"
else
  step "starting sshd on 127.0.0.1:$port"
  : >>"$SSHD_LOG"
  # sshd needs its absolute path (it re-executes itself per connection); it daemonises and writes
  # PidFile. -E: log to our file instead of syslog (there is none).
  /usr/sbin/sshd -f "$SSHD_CONFIG" -E "$SSHD_LOG" 9>&- || fail_with_log "sshd did not start" "$SSHD_LOG"
  wait_until 60 ssh_ok || fail_with_log "ssh root@127.0.0.1:$port does not work" "$SSHD_LOG"
fi

# ---------------------------------------------------------------------------------------------
# What tests and the recipe generator read. Keys of cluster.json match a recipe's target.slurm.
slurm_version="$(sinfo -V | awk '{ print $2 }')"
cat >"$ENV_FILE.tmp" <<EOF
# Generated by aifb scripts/cluster/up.sh. Source it: . $ENV_FILE
export AIFB_CLUSTER_DIR=$STATE
export AIFB_CLUSTER_JSON=$CLUSTER_JSON
export AIFB_SLURM_HOST=127.0.0.1
export AIFB_SLURM_PORT=$port
export AIFB_SLURM_USER=root
export AIFB_SLURM_IDENTITY_FILE=$SSH_CLIENT_KEY
export AIFB_SLURM_KNOWN_HOSTS=$SSH_KNOWN_HOSTS
export AIFB_SLURM_PARTITION=$PARTITION
export AIFB_SLURM_WORKDIR=$WORK_DIR
export AIFB_SLURM_NODE=$NODE_NAME
export AIFB_SLURM_CPUS=$cpus
EOF
mv "$ENV_FILE.tmp" "$ENV_FILE"
cat >"$CLUSTER_JSON.tmp" <<EOF
{
  "host": "127.0.0.1",
  "port": $port,
  "user": "root",
  "identityFile": "$SSH_CLIENT_KEY",
  "knownHosts": "$SSH_KNOWN_HOSTS",
  "partition": "$PARTITION",
  "workdir": "$WORK_DIR",
  "node": "$NODE_NAME",
  "cpus": $cpus,
  "clusterName": "$CLUSTER_NAME",
  "slurmVersion": "$slurm_version",
  "stateDir": "$STATE",
  "slurmConf": "$SLURM_CONF",
  "logs": {
    "slurmctld": "$SLURMCTLD_LOG",
    "slurmd": "$SLURMD_LOG",
    "sshd": "$SSHD_LOG",
    "munged": "$MUNGE_LOG"
  }
}
EOF
mv "$CLUSTER_JSON.tmp" "$CLUSTER_JSON"

# ---------------------------------------------------------------------------------------------
# End-to-end check through the login node, host key verified: submit, see it queued, see it run.
step "checking sbatch over ssh"
check_out="$(ssh -i "$SSH_CLIENT_KEY" -o UserKnownHostsFile="$SSH_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
  -o BatchMode=yes -o LogLevel=ERROR -p "$port" root@127.0.0.1 \
  "sbatch --parsable -J aifb-selfcheck --chdir='$WORK_DIR' --output='$WORK_DIR/selfcheck-%j.out' --wrap hostname && squeue")" ||
  fail_with_log "sbatch over ssh failed" "$SLURMCTLD_LOG"
job_id="$(printf '%s\n' "$check_out" | head -1 | cut -d';' -f1)"
[[ "$job_id" =~ ^[0-9]+$ ]] || die "sbatch over ssh printed no job id: $check_out"
job_done() { [ "$(scontrol show job "$job_id" 2>/dev/null | grep -o 'JobState=[A-Z_]*')" = JobState=COMPLETED ]; }
wait_until 30 job_done || fail_with_log "self-check job $job_id did not complete: $(scontrol show job "$job_id" | grep -o 'JobState=[^ ]*')" "$SLURMD_LOG"
[ "$(cat "$WORK_DIR/selfcheck-$job_id.out")" = "$(hostname)" ] || die "self-check job $job_id wrote: $(cat "$WORK_DIR/selfcheck-$job_id.out")"
rm -f "$WORK_DIR/selfcheck-$job_id.out"

step "cluster up in $(elapsed)"
cat <<EOF
    Slurm $slurm_version, cluster $CLUSTER_NAME, node $NODE_NAME ($cpus CPUs, oversubscribed up to 64 jobs per CPU), partition $PARTITION
    ssh:     ssh -i $SSH_CLIENT_KEY -o UserKnownHostsFile=$SSH_KNOWN_HOSTS -p $port root@127.0.0.1
    workdir: $WORK_DIR
    config:  $CLUSTER_JSON  (shell: . $ENV_FILE)
    logs:    $LOG_DIR/  ($MUNGE_LOG)
    stop:    make cluster-down   (state kept; scripts/cluster/down.sh --purge removes it)
EOF
