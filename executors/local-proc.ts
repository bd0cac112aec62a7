/**
 * The local executor's view of its processes: the wrapper that runs one task, and what /proc
 * says about the processes a job started (found by the AIFB_JOB_DIR in their environment).
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { jobFiles } from '../core/jobs';

/**
 * Runs one task in its job folder. It first claims the task by hard-linking its pid record to
 * `task-<i>.json`: link is atomic and fails when the name exists, so of two starts racing after
 * an interrupted submit exactly one runs the job and the other leaves without a trace.
 * The claim holds the pid and /proc start time (field 22, the 20th after the command name).
 * Then the job script runs with its output captured and its exit status recorded atomically.
 * A cancel signals every process of the job once (local.ts), as slurmstepd does: the trap only
 * keeps this shell waiting for the job's exit status, it forwards nothing.
 */
export const TASK_WRAPPER = `
i="$AIFB_TASK_INDEX"
trap ':' TERM INT
read -r stat < "/proc/$$/stat"
set -- \${stat##*) }
printf '{"pid":%s,"startTicks":"%s"}\\n' "$$" "\${20}" > "task-$i.json.$$"
if ! ln "task-$i.json.$$" "task-$i.json" 2>/dev/null; then rm -f "task-$i.json.$$"; exit 0; fi
rm -f "task-$i.json.$$"
if [ -e cancel-requested ]; then echo 143 > "exit-$i.tmp" && mv "exit-$i.tmp" "exit-$i"; exit 143; fi
bash ./job.sh > "${jobFiles.stdout('$i')}" 2> "${jobFiles.stderr('$i')}" &
child=$!
wait "$child"; rc=$?
while kill -0 "$child" 2>/dev/null; do wait "$child"; rc=$?; done
echo "$rc" > "exit-$i.tmp" && mv "exit-$i.tmp" "exit-$i"
`;

export interface TaskRecord {
  pid: number;
  /** /proc/<pid>/stat start time: guards against pid reuse. */
  startTicks: string;
}

export function procStat(pid: number): { state: string; pgrp: number; startTicks: string } | undefined {
  try {
    // Fields after the parenthesised command name; the name itself may contain spaces.
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '?', pgrp: Number(rest[2]), startTicks: rest[19] ?? '' };
  } catch {
    return undefined;
  }
}

export function isAlive(task: TaskRecord | undefined): boolean {
  if (!task) return false;
  const stat = procStat(task.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTicks === task.startTicks;
}

/** Live processes started for the job folder `dir` (found by the AIFB_JOB_DIR we put in their environment). */
export async function jobProcesses(dir: string): Promise<number[]> {
  const marker = `AIFB_JOB_DIR=${dir}\0`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${entry}/environ`, 'latin1');
      if (!`\0${environ}`.includes(`\0${marker}`)) continue;
      if (procStat(pid)?.state === 'Z') continue;
      pids.push(pid);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids;
}

export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * SIGTERM once to every process of a job: each task's process group in one kill, then the job's
 * processes that left those groups (setsid daemons). A second TERM makes some servers abort
 * (llama.cpp: "terminate called without an active exception").
 */
export async function terminateOnce(dir: string, groups: readonly number[]): Promise<void> {
  for (const pgid of groups) signalGroup(pgid, 'SIGTERM');
  const signalled = new Set(groups);
  for (const pid of await jobProcesses(dir)) {
    const pgrp = procStat(pid)?.pgrp;
    if (pgrp === undefined || signalled.has(pgrp)) continue;
    signalPid(pid, 'SIGTERM');
  }
}
