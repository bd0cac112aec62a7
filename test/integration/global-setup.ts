// Integration tests run real jobs, which need the bundles in dist/: build them once. The workflow
// code is bundled once too, for every test file of the tier (tier-setup.ts).
import type { TestProject } from 'vitest/node';
import { buildJobBundles, provideWorkflowBundle } from './tier-setup';

export default async function setup(project: TestProject): Promise<() => void> {
  buildJobBundles();
  return provideWorkflowBundle(project);
}
