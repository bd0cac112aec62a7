#!/usr/bin/env bash
# Runs every test tier in order (unit, workflow on the time-skipping server, integration on
# the dev server, slurm on the local Slurm + sshd cluster), each even when an earlier one failed, then prints one closing line
# "N passed, N failed" summed over all tiers. Exit status: non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p data/test-reports
status=0
for tier in unit workflow integration telemetry api grafana deploy slurm llm chaos; do
  printf '\033[1m==> %s tests\033[0m\n' "$tier"
  npx vitest run --project "$tier" --reporter=default --reporter=json \
    --outputFile.json="data/test-reports/$tier.json" || status=1
done
node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, total = 0;
  for (const tier of ["unit", "workflow", "integration", "telemetry", "api", "grafana", "deploy", "slurm", "llm", "chaos"]) {
    const file = `data/test-reports/${tier}.json`;
    if (!fs.existsSync(file)) { console.error(`tier ${tier} wrote no report: it did not run`); failed++; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + (r.numFailedTestSuites ?? 0); total += r.numTotalTests;
    if (r.numTotalTests === 0) { console.error(`tier ${tier} ran no test`); failed++; }
  }
  console.log(`${passed} passed, ${failed} failed`);
' || status=1
exit $status
