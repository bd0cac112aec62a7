/**
 * `workload.repeat: { count, fresh: true }`: each repetition a benchmark of its own, on a fresh
 * deployment: a child benchmarkWorkflow (`<id>-rep<k>`, its own jobs, teardown and results
 * folder), one after another. The parent keeps their stages as its own, named `<stage>-rep<k>`,
 * and writes the run's summary with the intervals over them. A stop or stop-stage of the
 * parent goes to the running child. Deterministic, like all workflow code.
 */
import {
  ApplicationFailure,
  type ChildWorkflowHandle,
  condition,
  ParentClosePolicy,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type BenchmarkActivities,
  type BenchmarkStatus,
  stopSignal,
  stopStageSignal,
} from '../core/contract';
import type { RunFailureType } from '../core/failures';
import type { Phase } from '../core/phases';
import type { Recipe } from '../core/recipe';
import { repetitionSuffix } from '../core/recipe-read';
import type { BenchmarkSummary, StageSummary } from '../core/summary';

export interface RepetitionsContext {
  input: unknown;
  recipe: Recipe;
  state: BenchmarkStatus;
  enter(phase: Phase): void;
  /** Reads and clears a pending stop-stage request. */
  takeStopStage(): boolean;
  writeResults: BenchmarkActivities['writeResults'];
  startedAtMs: number;
  /** The workflow itself, started as each child (passed in: no import cycle). */
  workflow: (input: unknown) => Promise<BenchmarkSummary>;
}

/** A child's failure in words: its own failure (the cause), not the wrapper saying a child failed. */
function why(err: unknown): string {
  if (err instanceof Error && err.cause instanceof Error) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** The recipe input with one repetition: the child validates it as any run would. */
function childInput(input: unknown): unknown {
  const raw = input as { workload: Record<string, unknown> };
  return { ...raw, workload: { ...raw.workload, repeat: 1 } };
}

/** A child's stage as the parent's: renamed by repetition, numbered on. */
function asRepetition(s: StageSummary, repetition: number, count: number, index: number): StageSummary {
  const origin = s.origin ?? {
    recipeIndex: s.index,
    recipeStage: s.name,
    kind: 'stage' as const,
    series: s.name,
  };
  return {
    ...s,
    index,
    name: `${s.name}${repetitionSuffix(repetition, count)}`,
    origin: { ...origin, repetition, series: origin.series },
  };
}

export async function freshRepetitions(ctx: RepetitionsContext): Promise<BenchmarkSummary> {
  const { recipe, state } = ctx;
  const { count } = recipe.workload.repeat;
  const parentId = workflowInfo().workflowId;
  let failure: unknown;
  for (let repetition = 1; repetition <= count && !state.stopRequested; repetition++) {
    ctx.enter('loading');
    state.stageName = `repetition ${repetition}/${count}`;
    let child: ChildWorkflowHandle<typeof ctx.workflow>;
    try {
      child = await startChild(ctx.workflow, {
        workflowId: `${parentId}-rep${repetition}`,
        args: [childInput(ctx.input)],
        // The parent's end (terminated too) ends its children; each tears its own jobs down.
        parentClosePolicy: ParentClosePolicy.TERMINATE,
      });
    } catch (err) {
      failure = err;
      break;
    }
    state.jobs.push(child.workflowId);
    const result = child.result();
    let done = false;
    result.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    let stopSent = false;
    while (!done) {
      await condition(() => done || (state.stopRequested && !stopSent) || ctx.takeStopStage());
      if (done) break;
      if (state.stopRequested && !stopSent) {
        stopSent = true;
        await child.signal(stopSignal, 'the repeated run was stopped');
      } else await child.signal(stopStageSignal);
    }
    try {
      const summary = await result;
      for (const s of summary.stages) {
        state.stages.push(asRepetition(s, repetition, count, state.stages.length));
      }
    } catch (err) {
      failure = err;
      break;
    }
  }
  ctx.enter('collecting');
  const status: BenchmarkSummary['status'] = failure
    ? 'failed'
    : state.stopRequested
      ? 'stopped'
      : 'completed';
  const summary = await ctx.writeResults({
    benchmarkId: state.benchmarkId,
    recipe,
    status,
    startedAtMs: ctx.startedAtMs,
    endpoint: null,
    stages: state.stages,
    ...(failure ? { error: why(failure) } : {}),
  });
  if (failure) {
    state.error = summary.error ?? 'a repetition failed';
    ctx.enter('failed');
    throw ApplicationFailure.create({
      type: 'BenchmarkFailed' satisfies RunFailureType,
      message: `repetition failed: ${state.error}`,
      nonRetryable: true,
      cause: failure instanceof Error ? failure : undefined,
    });
  }
  ctx.enter('done');
  return summary;
}
