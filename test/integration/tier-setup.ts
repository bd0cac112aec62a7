/**
 * What the global setups of the tiers that run real jobs share: the job bundles in dist/ built
 * once, and one workflow bundle per tier run. Each test file used to bundle workflows/ itself
 * (webpack, ~3 s of CPU, ~5 s on a loaded machine); the global setup bundles it once and hands
 * its file to every test file through vitest's provide/inject (harness.ts startDevEnv reads it).
 * Built fresh by every `vitest run`, so never stale.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { repoRoot } from '../../core/node/config';
import { workflowsPath } from '../../workers/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A JSON file holding the tier's WorkflowBundleWithSourceMap (absent: each file bundles). */
    workflowBundleFile?: string;
  }
}

/**
 * scripts/build.ts, unless scripts/test.sh built dist/ already (AIFB_TEST_DIST_BUILT=1): it runs
 * tiers side by side, and one tier rewriting dist/ while another's jobs start from it would race.
 */
export function buildJobBundles(): void {
  if (process.env.AIFB_TEST_DIST_BUILT === '1') return;
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}

/** Bundles workflows/ once, provides the file, returns the cleanup that removes it. */
export async function provideWorkflowBundle(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'aifb-wf-bundle-'));
  const file = join(dir, 'bundle.json');
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  writeFileSync(file, JSON.stringify(bundle));
  project.provide('workflowBundleFile', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
