/**
 * Temporal Schedules that run a recipe periodically (nightly regression runs). Each run is an
 * ordinary benchmark: Temporal appends the start time to the action's workflow id, and the
 * workflow lists it under its recipe like any other run.
 */
import {
  type Client,
  ScheduleAlreadyRunning,
  type ScheduleDescription,
  type ScheduleHandle,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import { WORKFLOW_TYPE } from '../core/contract';
import { durationMs, parseDurationMs } from '../core/duration';
import { withSiteTarget } from '../core/node/site-target';
import { parseRecipe } from '../core/recipe';
import { formatIssues } from '../core/recipe-read';
import { defaultScheduleId } from './ids';
import { ControlError, type ScheduleInput, type ScheduleView } from './types';

const SCHEDULE_ID_RE = /^[A-Za-z0-9._-]{1,200}$/;

interface ScheduleMemo {
  recipeName?: string;
  cron?: string;
  every?: string;
}

function viewOf(scheduleId: string, d: ScheduleDescription): ScheduleView {
  const memo = (d.memo ?? {}) as ScheduleMemo;
  return {
    scheduleId,
    recipeName: memo.recipeName ?? null,
    cron: memo.cron ? [memo.cron] : [],
    everyMs: (d.spec.intervals ?? []).map((i) =>
      typeof i.every === 'number' ? i.every : (parseDurationMs(String(i.every)) ?? 0),
    ),
    paused: d.state.paused,
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      startedAt: a.takenAt.toISOString(),
    })),
  };
}

export class ScheduleControl {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  private handle(scheduleId: string): ScheduleHandle {
    if (!SCHEDULE_ID_RE.test(scheduleId)) {
      throw new ControlError('invalid-input', `not a schedule id: ${JSON.stringify(scheduleId)}`);
    }
    return this.client.schedule.getHandle(scheduleId);
  }

  private async describe(scheduleId: string): Promise<ScheduleView> {
    try {
      return viewOf(scheduleId, await this.handle(scheduleId).describe());
    } catch (err) {
      if (err instanceof ScheduleNotFoundError)
        throw new ControlError('not-found', `no schedule ${scheduleId}`);
      throw err;
    }
  }

  async create(input: ScheduleInput): Promise<ScheduleView> {
    const recipe = withSiteTarget(input.recipe);
    const parsed = parseRecipe(recipe);
    if (!parsed.ok) throw new ControlError('invalid-input', formatIssues(parsed.issues), parsed.issues);
    if ((input.cron === undefined) === (input.every === undefined)) {
      throw new ControlError(
        'invalid-input',
        'give exactly one of cron (e.g. "0 2 * * *") or every (e.g. "24h")',
      );
    }
    let everyMs: number | undefined;
    if (input.every !== undefined) {
      const every = durationMs.safeParse(input.every);
      if (!every.success || every.data < 60_000) {
        throw new ControlError(
          'invalid-input',
          `every: a duration of at least 1m, such as 6h (got ${input.every})`,
        );
      }
      everyMs = every.data;
    }
    const recipeName = parsed.recipe.name;
    const scheduleId = input.scheduleId ?? defaultScheduleId(recipeName);
    const memo: ScheduleMemo = {
      recipeName,
      ...(input.cron ? { cron: input.cron } : { every: input.every }),
    };
    try {
      await this.client.schedule.create({
        scheduleId,
        spec: input.cron ? { cronExpressions: [input.cron] } : { intervals: [{ every: everyMs! }] },
        action: {
          type: 'startWorkflow',
          workflowType: WORKFLOW_TYPE,
          taskQueue: this.taskQueue,
          // Temporal appends the start time: bench-<name>-sched-2026-01-02T02:00:00Z.
          workflowId: `bench-${recipeName}-sched`,
          args: [recipe],
          memo: { recipe },
        },
        // A nightly run still going when the next is due: skip the next, never overlap two.
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        memo: memo as Record<string, unknown>,
        state: { paused: input.paused ?? false },
      });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) {
        throw new ControlError(
          'conflict',
          `schedule ${scheduleId} exists already (delete it first, or pick --id)`,
        );
      }
      if (/invalid cron|cron/i.test(String(err)))
        throw new ControlError('invalid-input', `cron: ${String(err)}`);
      throw err;
    }
    return this.describe(scheduleId);
  }

  async list(): Promise<ScheduleView[]> {
    const views: ScheduleView[] = [];
    for await (const summary of this.client.schedule.list()) {
      if (summary.action?.workflowType !== WORKFLOW_TYPE) continue;
      // Deleted between the list and the describe: leave it out.
      const view = await this.describe(summary.scheduleId).catch(() => undefined);
      if (view) views.push(view);
    }
    return views.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
  }

  async setPaused(scheduleId: string, paused: boolean): Promise<ScheduleView> {
    await this.describe(scheduleId);
    const handle = this.handle(scheduleId);
    await (paused ? handle.pause('paused through aifb') : handle.unpause('resumed through aifb'));
    return this.describe(scheduleId);
  }

  /** Runs it once now (tests, and "run tonight's job now"). */
  async trigger(scheduleId: string): Promise<void> {
    await this.describe(scheduleId);
    await this.handle(scheduleId).trigger();
  }

  async delete(scheduleId: string): Promise<void> {
    await this.describe(scheduleId);
    await this.handle(scheduleId).delete();
  }
}
