#!/usr/bin/env bash
# Runs every test tier, each even when an earlier one failed, then prints one closing line
# "N passed, N failed" summed over all tiers. Exit status: non-zero if anything failed.
#
# The slurm tier spends its ~11 minutes mostly waiting on the cluster (job starts, sshd, stage
# clocks), so it runs beside the tiers that neither use the cluster nor hold tight timing bars and
# use about a core between them: workflow, grafana, deploy, telemetry, api. Unit (both cores, and
# loadgen timing bars) runs first alone; integration (schedule-lag and capacity bars), llm and
# chaos (which takes the cluster's node and sshd down) run after the slurm tier, one at a time.
# AIFB_TEST_SERIAL=1 runs every tier one after another.
set -uo pipefail
cd "$(dirname "$0")/.."
reports=data/test-reports
mkdir -p "$reports"
status=0
tiers=(unit workflow integration telemetry api grafana deploy slurm llm chaos)

# Build dist/ once: tiers side by side must not rewrite it under each other's jobs.
node --import tsx scripts/build.ts || status=1
export AIFB_TEST_DIST_BUILT=1

run_tier() {
  local tier=$1 started=$SECONDS rc
  rm -f "$reports/$tier.json" # a tier that does not run must not leave an old report behind
  npx vitest run --project "$tier" --reporter=default --reporter=json --outputFile.json="$reports/$tier.json"
  rc=$?
  printf '\033[1m<== %s tests: exit %s after %s s\033[0m\n' "$tier" "$rc" "$((SECONDS - started))"
  return $rc
}

in_turn() {
  for tier in "$@"; do
    printf '\033[1m==> %s tests\033[0m\n' "$tier"
    run_tier "$tier" || status=1
  done
}

if [ "${AIFB_TEST_SERIAL:-0}" = 1 ]; then
  in_turn "${tiers[@]}"
else
  in_turn unit
  beside=(workflow grafana deploy telemetry api)
  printf '\033[1m==> slurm tests, beside %s (output in %s/slurm.log, shown when it ends)\033[0m\n' "${beside[*]}" "$reports"
  set -m # its own process group, so an interrupt can stop all of it
  run_tier slurm >"$reports/slurm.log" 2>&1 &
  slurm_pid=$!
  set +m
  trap 'kill -- -"$slurm_pid" 2>/dev/null; exit 130' INT TERM
  in_turn "${beside[@]}"
  wait "$slurm_pid" || status=1
  cat "$reports/slurm.log"
  in_turn integration llm chaos
fi

TIERS="${tiers[*]}" node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, total = 0;
  for (const tier of process.env.TIERS.split(" ")) {
    const file = `data/test-reports/${tier}.json`;
    if (!fs.existsSync(file)) { console.error(`tier ${tier} wrote no report: it did not run`); failed++; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numFailedTestSuites ?? 0); total += r.numTotalTests;
    if (r.numTotalTests === 0) { console.error(`tier ${tier} ran no test`); failed++; }
  }
  console.log(`${passed} passed, ${failed} failed`);
' || status=1
exit $status
