#!/usr/bin/env bash
# aifb facts: what the machine running this job task is, as `key=value` lines on stdout (one
# value per line; `gpu=` once per GPU). The job scripts run it first thing into
# facts-<task>.txt; the worker reads it into summary.json's `environment` (core/node-facts.ts).
# Read-only and quick: /proc, uname, /etc/os-release, Slurm's variables, nvidia-smi when present.
# No GPU is ever invented: without nvidia-smi (or when it fails) `gpu_absent=` says why.
set -u

fact() {
  # One line per value: newlines and carriage returns inside a value become spaces.
  local v=${2//$'\n'/ }
  printf '%s=%s\n' "$1" "${v//$'\r'/ }"
}

fact hostname "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"
cpu_model=$(awk -F': *' '/^(model name|Model name|cpu model|Processor)[[:space:]]*:/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
if [ -z "$cpu_model" ] && command -v lscpu >/dev/null 2>&1; then
  cpu_model=$(LC_ALL=C lscpu 2>/dev/null | awk -F': *' '/^Model name:/ { print $2; exit }')
fi
fact cpu_model "$cpu_model"
fact cpus "$(nproc 2>/dev/null)"
fact node_cpus "$(getconf _NPROCESSORS_ONLN 2>/dev/null)"
fact memory_kib "$(awk '/^MemTotal:/ { print $2; exit }' /proc/meminfo 2>/dev/null)"
fact kernel "$(uname -r 2>/dev/null)"
os=
if [ -r /etc/os-release ]; then os=$(. /etc/os-release && echo "${PRETTY_NAME:-${NAME:-}}"); fi
fact os "$os"
for v in SLURM_JOB_ID SLURM_ARRAY_JOB_ID SLURM_ARRAY_TASK_ID SLURM_JOB_NODELIST SLURM_JOB_PARTITION SLURM_CLUSTER_NAME; do
  if [ -n "${!v:-}" ]; then fact "$(echo "$v" | tr '[:upper:]' '[:lower:]')" "${!v}"; fi
done
if command -v nvidia-smi >/dev/null 2>&1; then
  # index, name, driver_version, memory.total (MiB), uuid, one GPU a line.
  if out=$(timeout 30 nvidia-smi --query-gpu=index,name,driver_version,memory.total,uuid \
    --format=csv,noheader,nounits 2>&1); then
    if [ -n "$out" ]; then
      while IFS= read -r line; do fact gpu "$line"; done <<<"$out"
    else
      fact gpu_absent "nvidia-smi on $(hostname) lists no GPU"
    fi
  else
    fact gpu_absent "nvidia-smi failed on $(hostname): $(echo "$out" | head -n 1)"
  fi
else
  fact gpu_absent "nvidia-smi not found on $(hostname)"
fi
