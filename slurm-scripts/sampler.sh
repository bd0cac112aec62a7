#!/usr/bin/env bash
# aifb sampler, started beside the service by the job script: once a second it appends the
# CPU time and resident memory of the service's process tree (from /proc) to proc.csv and,
# where nvidia-smi exists, per-GPU utilisation, memory, power and temperature to gpu.csv.
# Without nvidia-smi it writes gpu.absent with the reason: absent GPUs are reported, not faked.
# Every row starts with the epoch time in ms (nvidia-smi's own timestamp is local time).
# Usage: sampler.sh SERVICE_PID INTERVAL_SECONDS PROC_CSV GPU_CSV GPU_ABSENT
# (the file names come from core/jobs.ts serviceFiles, through the service job script).
set -u
usage="usage: sampler.sh SERVICE_PID INTERVAL_SECONDS PROC_CSV GPU_CSV GPU_ABSENT"
root=${1:?$usage}
interval=${2:?$usage}
proc_csv=${3:?$usage}
gpu_csv=${4:?$usage}
gpu_absent=${5:?$usage}

now_ms() {
  # bash >= 5 has EPOCHREALTIME (no fork); older bash (RHEL 8) falls back to date.
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local us=${EPOCHREALTIME//[.,]/}
    echo "${us%???}"
  else
    date +%s%3N
  fi
}

clk_tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
page_size=$(getconf PAGESIZE 2>/dev/null || echo 4096)

gpu_pid=
if command -v nvidia-smi >/dev/null 2>&1; then
  echo "time_ms,index,uuid,utilization_gpu_pct,memory_used_mib,memory_total_mib,power_draw_w,temperature_gpu_c" > "$gpu_csv"
  nvidia-smi --query-gpu=index,uuid,utilization.gpu,memory.used,memory.total,power.draw,temperature.gpu \
    --format=csv,noheader,nounits -l "$interval" 2>>"$gpu_csv.err" |
    while IFS= read -r line; do printf '%s,%s\n' "$(now_ms)" "${line// /}"; done >> "$gpu_csv" &
  gpu_pid=$!
else
  echo "nvidia-smi not found on $(hostname)" > "$gpu_absent"
fi
trap '[ -n "$gpu_pid" ] && kill "$gpu_pid" 2>/dev/null; pkill -P $$ 2>/dev/null; exit 0' TERM INT EXIT

echo "time_ms,cpu_seconds,rss_bytes,processes" > "$proc_csv"
while kill -0 "$root" 2>/dev/null; do
  # cat skips processes that vanish between the glob and the read; awk sums the tree under root.
  # Fields after "pid (comm) ": 2 ppid, 12-15 utime stime cutime cstime (ticks), 22 rss (pages).
  row=$(cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$root" -v tck="$clk_tck" -v page="$page_size" '
    { pid = $1; line = $0; sub(/^.*\) /, "", line); split(line, f, " ")
      ppid[pid] = f[2]; cpu[pid] = f[12] + f[13] + f[14] + f[15]; rss[pid] = f[22] }
    END {
      ticks = 0; pages = 0; n = 0
      for (p in ppid) {
        q = p; depth = 0
        while (q != root && (q in ppid) && depth < 100) { q = ppid[q]; depth++ }
        if (q == root) { ticks += cpu[p]; pages += rss[p]; n++ }
      }
      printf "%.2f,%d,%d", ticks / tck, pages * page, n
    }')
  echo "$(now_ms),$row" >> "$proc_csv"
  sleep "$interval"
done
