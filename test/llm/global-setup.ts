// The llm tier needs a real LLM server: llama.cpp's llama-server built from source and the
// SmolLM2-135M model (scripts/llm/install.sh: built once per machine, cached outside the clone
// and keyed by version), the local Slurm cluster, and the job bundles.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { buildJobBundles, provideWorkflowBundle } from '../integration/tier-setup';

export default async function setup(project: TestProject): Promise<() => void> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync('bash', ['scripts/llm/install.sh'], { cwd: root, stdio: 'inherit' });
  execFileSync('bash', ['scripts/cluster/up.sh'], { cwd: root, stdio: 'inherit' });
  buildJobBundles();
  return provideWorkflowBundle(project);
}
