import { defineConfig } from 'vitest/config';

// Three tiers, run in order by `make test`: unit (pure logic, colocated *.test.ts),
// workflow (time-skipping test server), integration (dev server, real processes).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{core,slurm-scripts,services,executors,activities,workflows,workers,loadgen,simulator,cli,api,control,telemetry,bench,grafana,report}/**/*.test.ts',
          ],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'workflow',
          include: ['test/workflow/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'telemetry',
          include: ['test/telemetry/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // HTTP API, CLI, `temporal` CLI and the Web UI in a browser, against a dev server + worker.
          name: 'api',
          include: ['test/api/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The Grafana dashboards (grafana/): the SDK's schema, hygiene, promtool and the LogQL
          // grammar, then a real benchmark's series in a real Prometheus and the control actions
          // against the real API (Grafana itself cannot run here).
          name: 'grafana',
          include: ['test/grafana/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // Deployment (deploy/, docker-compose.yml, Dockerfile): the files validated offline, the
          // compose file's worker and API run as it says, and a production Temporal server (built
          // from the Go module proxy) on Debian's PostgreSQL with two workers and the API.
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // A real LLM (llama.cpp + SmolLM2-135M, built once by scripts/llm/install.sh) benchmarked
          // end to end on the local executor and on the local Slurm cluster.
          name: 'llm',
          include: ['test/llm/**/*.test.ts'],
          globalSetup: ['test/llm/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // Faults in every phase (test/chaos/matrix.test.ts): dev server, worker processes,
          // local jobs and the local Slurm cluster, whose global setup starts the cluster.
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          globalSetup: ['test/slurm/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'slurm',
          include: ['test/slurm/**/*.test.ts'],
          globalSetup: ['test/slurm/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
