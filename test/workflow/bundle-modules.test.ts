/**
 * The workflow sandbox evaluates every module of the bundle afresh for each workflow it starts
 * or replays, so what the workflows import statically is paid per workflow (README "Scale"). zod
 * and the recipe schemas were ~60 ms of CPU and ~2 MB of heap each: the recipe is checked by a
 * local activity (workflows/recipe-check.ts), and only histories from before that parse it in
 * the sandbox, through a lazy `import()`. This reads the bundle's module graph and fails when a
 * static import brings zod back.
 */
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflows } from './harness';

const ENTRY = './workflows/index.ts';

interface Requires {
  /** Evaluated with the module. */
  now: string[];
  /** Evaluated when a lazy `import()` runs. */
  lazy: string[];
}

/** Each module's id and the ids it requires. */
function moduleGraph(code: string): Map<string, Requires> {
  const graph = new Map<string, Requires>();
  const starts = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)":?$/gm)];
  starts.forEach((start, i) => {
    const body = code.slice(start.index, starts[i + 1]?.index ?? code.length);
    const requires: Requires = { now: [], lazy: [] };
    for (const m of body.matchAll(
      /(import\(\) eager \*\/\)\.then\(\(\) => \()?__webpack_require__\(\/\*![^*]*\*\/ "([^"]+)"\)/g,
    )) {
      (m[1] ? requires.lazy : requires.now).push(m[2] as string);
    }
    graph.set(start[1] as string, requires);
  });
  return graph;
}

function reachable(graph: Map<string, Requires>, from: string, lazyToo: boolean): string[] {
  const seen = new Set<string>();
  const next = [from];
  for (let id = next.pop(); id !== undefined; id = next.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    const r = graph.get(id);
    if (r) next.push(...r.now, ...(lazyToo ? r.lazy : []));
  }
  return [...seen];
}

const isZod = (id: string) => id.includes('node_modules/zod/');

let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  bundle = await bundleWorkflows();
}, 60_000);

describe('the workflow bundle', () => {
  it('evaluates no zod module when a workflow starts', () => {
    const evaluated = reachable(moduleGraph(bundle.code), ENTRY, false);
    // The reading is sound: it sees the workflows and the Temporal SDK they import.
    expect(evaluated).toContain('./workflows/benchmark.ts');
    expect(evaluated.some((id) => id.includes('node_modules/@temporalio/workflow/'))).toBe(true);
    expect(evaluated.filter((id) => isZod(id) || id === './core/recipe.ts')).toEqual([]);
  });

  it('reaches the schemas only through the lazy import that old histories take', () => {
    const graph = moduleGraph(bundle.code);
    expect(graph.get('./workflows/recipe-check.ts')?.lazy).toContain('./core/recipe.ts');
    // The control: with the lazy imports followed, zod is reached, so the test above can fail.
    expect(reachable(graph, ENTRY, true).some(isZod)).toBe(true);
  });
});
