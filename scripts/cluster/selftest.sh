#!/usr/bin/env bash
# Checks, through the ssh "login node" with its host key verified, the Slurm behaviour aifb's slurm
# executor relies on: concurrency on 2 cores, a second partition sharing those CPUs, job arrays,
# scancel killing a job's process tree, final states and exit codes in scontrol, --export,
# per-task output files, and that killing an sshd connection process leaves the listener working. Non-destructive: it submits its own small
# jobs (named aifb-selftest-*) next to whatever else runs. Needs `make cluster-up` first; root.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/cluster/common.sh
source "$HERE/common.sh"
[ -s "$ENV_FILE" ] || die "no $ENV_FILE: run make cluster-up first"
# shellcheck disable=SC1090
source "$ENV_FILE"

failures=0
pass() { printf 'PASS  %s  (%ss)\n' "$*" "$SECONDS"; }
fail() { printf 'FAIL  %s  (%ss)\n' "$*" "$SECONDS"; failures=$(( failures + 1 )); }
# on_login CMD: runs CMD on the login node the way the executor does (key + known_hosts).
on_login() {
  ssh -i "$AIFB_SLURM_IDENTITY_FILE" -o UserKnownHostsFile="$AIFB_SLURM_KNOWN_HOSTS" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o LogLevel=ERROR \
    -p "$AIFB_SLURM_PORT" "$AIFB_SLURM_USER@$AIFB_SLURM_HOST" "$1"
}
field() { on_login "scontrol show job -o $1" | tr ' ' '\n' | grep "^$2=" | head -1 | cut -d= -f2-; }

W="$AIFB_SLURM_WORKDIR/selftest-$$"
mkdir -p "$W"
submit() { on_login "sbatch --parsable --chdir='$W' $1" | cut -d';' -f1; }

# 1. Concurrency: 12 single-CPU jobs on a 2-CPU node all run at once (OverSubscribe=FORCE).
ids=()
for _ in $(seq 1 12); do ids+=("$(submit "-J aifb-selftest-conc -c 1 -o /dev/null --wrap 'sleep 20'")"); done
joined="$(IFS=,; echo "${ids[*]}")"
running() { [ "$(on_login "squeue -h -t RUNNING -j $joined -o %i" | wc -l)" -eq 12 ]; }
if wait_until 10 running; then pass "12 single-CPU jobs RUNNING at once on $AIFB_SLURM_CPUS CPUs"; else fail "12 concurrent jobs: $(on_login "squeue -h -j $joined -o '%i|%T|%r'" | tr '\n' ' ')"; fi
on_login "scancel $joined"

# 1b. The second partition shares the node's CPUs: a cpu job starts while debug jobs hold them all.
cpu_partition="${AIFB_SLURM_CPU_PARTITION:-cpu}"
hold="$(submit "-J aifb-selftest-hold -p $AIFB_SLURM_PARTITION -c $AIFB_SLURM_CPUS -o /dev/null --wrap 'sleep 20'")"
beside="$(submit "-J aifb-selftest-cpu -p $cpu_partition -c 1 -o /dev/null --wrap 'sleep 20'")"
both_running() { [ "$(on_login "squeue -h -t RUNNING -j $hold,$beside -o %i" | wc -l)" -eq 2 ]; }
if wait_until 10 both_running; then
  pass "a $cpu_partition job RUNNING beside a $AIFB_SLURM_PARTITION job holding all $AIFB_SLURM_CPUS CPUs"
else
  fail "second partition: $(on_login "squeue -h -j $hold,$beside -o '%i|%P|%T|%r'" | tr '\n' ' ')"
fi
on_login "scancel $hold $beside"

# 2. Job array: all tasks at once, one output file per task (%a).
arr="$(submit "-J aifb-selftest-array --array=0-3 --output='$W/stdout-%a.log' --wrap 'sleep 5; echo \$SLURM_ARRAY_TASK_ID'")"
tasks_running() { [ "$(on_login "squeue -h -r -t RUNNING -j $arr -o %i" | wc -l)" -eq 4 ]; }
if wait_until 10 tasks_running; then pass "array $arr: 4 tasks RUNNING at once"; else fail "array $arr: $(on_login "squeue -h -r -j $arr -o '%i|%T|%r'" | tr '\n' ' ')"; fi
array_done() { [ -z "$(on_login "squeue -h -j $arr -o %i")" ]; }
wait_until 30 array_done
outs="$(for a in 0 1 2 3; do cat "$W/stdout-$a.log" 2>/dev/null; done | tr '\n' ' ')"
if [ "$outs" = "0 1 2 3 " ]; then pass "array --output=stdout-%a.log: one file per task with its index"; else fail "array outputs: '$outs'"; fi

# 3. Exit status 3 → FAILED, ExitCode=3:0, kept in scontrol after completion (MinJobAge=300).
f3="$(submit "-J aifb-selftest-exit3 -o /dev/null --wrap 'exit 3'")"
finished() { [[ "$(field "$1" JobState)" =~ ^(COMPLETED|FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL)$ ]]; }
wait_until 20 finished "$f3"
st="$(field "$f3" JobState) $(field "$f3" ExitCode)"
if [ "$st" = "FAILED 3:0" ]; then pass "exit 3 → JobState=FAILED ExitCode=3:0"; else fail "exit 3 → $st"; fi

# 4. --export=ALL,VAR=value reaches the job.
ex="$(submit "-J aifb-selftest-export -o '$W/export.out' --export=ALL,AIFB_JOB_DIR=/x --wrap 'echo \$AIFB_JOB_DIR'")"
wait_until 20 finished "$ex"
if [ "$(cat "$W/export.out" 2>/dev/null)" = /x ] && [ "$(field "$ex" JobState) $(field "$ex" ExitCode)" = "COMPLETED 0:0" ]; then
  pass "--export=ALL,AIFB_JOB_DIR=/x → /x, COMPLETED 0:0"
else
  fail "--export: '$(cat "$W/export.out" 2>/dev/null)' $(field "$ex" JobState)"
fi

# 5. scancel kills the job's whole process tree (proctrack/linuxproc follows parent/child links).
cat >"$W/tree.sh" <<'EOF'
#!/bin/bash
sleep 600 &
echo "$!" >child.pid
bash -c 'sleep 600 & echo "$!" >grandchild.pid; wait' &
wait
EOF
tr_id="$(submit "-J aifb-selftest-tree -o /dev/null '$W/tree.sh'")"
have_pids() { [ -s "$W/child.pid" ] && [ -s "$W/grandchild.pid" ]; }
wait_until 15 have_pids
child="$(cat "$W/child.pid" 2>/dev/null)"
grandchild="$(cat "$W/grandchild.pid" 2>/dev/null)"
on_login "scancel $tr_id"
gone() { ! kill -0 "$child" 2>/dev/null && ! kill -0 "$grandchild" 2>/dev/null; }
if [ -n "$child" ] && [ -n "$grandchild" ] && wait_until 10 gone; then
  pass "scancel killed child $child and grandchild $grandchild (sleep 600)"
else
  fail "scancel left processes: $(ps -o pid=,args= -p "${child:-1},${grandchild:-1}" | tr '\n' ' ')"
fi
wait_until 15 finished "$tr_id"
if [ "$(field "$tr_id" JobState)" = CANCELLED ]; then pass "cancelled job → JobState=CANCELLED ExitCode=$(field "$tr_id" ExitCode)"; else fail "cancelled job → $(field "$tr_id" JobState)"; fi

# 6. The squeue format the executor parses.
sq="$(submit "-J aifb-selftest-squeue -o /dev/null --wrap 'sleep 10'")"
row() { on_login "squeue -h -o '%i|%j|%T|%r' -j $sq" | grep -q "^$sq|aifb-selftest-squeue|RUNNING|None$"; }
if wait_until 10 row; then pass "squeue -h -o '%i|%j|%T|%r' → $sq|aifb-selftest-squeue|RUNNING|None"; else fail "squeue row: $(on_login "squeue -h -o '%i|%j|%T|%r' -j $sq")"; fi
on_login "scancel $sq"

# 7. sacct: accounting is off on purpose; report what it says.
printf 'INFO  sacct -j %s → %s\n' "$f3" "$(on_login "sacct -j $f3" 2>&1 | tr '\n' ' ')"

# 8. Killing the sshd process that serves one connection leaves the listener working. The
#    connection is found by its remote command (a sleep with a unique length), not as "the" child
#    of the listener: other sessions may be open.
marker="120.$$"
on_login "exec sleep $marker" 2>/dev/null &
client=$!
remote_cmd() { pgrep -x -f "sleep $marker" >/dev/null; }
wait_until 10 remote_cmd
orphan="$(pgrep -x -f "sleep $marker" | head -1)"
served="$(ps -o ppid= -p "${orphan:-1}" | tr -d ' ')"
served_args="$(ps -o args= -p "${served:-1}")"
if [ -n "$orphan" ] && [ "$(ps -o ppid= -p "$served" | tr -d ' ')" = "$(cat "$SSHD_PID")" ]; then
  kill "$served"
  wait "$client" 2>/dev/null
  if [ "$(on_login 'echo ok')" = ok ]; then pass "killed connection process $served ($served_args); a new ssh connection works"; else fail "no ssh after killing $served"; fi
  # The remote command of that connection is orphaned, not killed: clean up ours.
  kill "$orphan" 2>/dev/null
else
  fail "could not find the sshd process of our connection"
fi

rm -rf "$W"
if [ "$failures" -eq 0 ]; then echo "selftest: all passed"; else echo "selftest: $failures failed"; exit 1; fi
