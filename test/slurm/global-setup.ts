// The Slurm tier needs the local cluster (real munged + slurmctld + slurmd + sshd) and the bundles.
// `make cluster-up` is idempotent: a second call returns in about a second.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { buildJobBundles, provideWorkflowBundle } from '../integration/tier-setup';

export default async function setup(project: TestProject): Promise<() => void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync('bash', ['scripts/cluster/up.sh'], { cwd: root, stdio: 'inherit' });
  buildJobBundles();
  return provideWorkflowBundle(project);
}
