/**
 * What one benchmark's workflow history says about the orchestration (bench/orchestration.ts):
 * when it started, entered `loading` (its startClients was scheduled) and closed; how long its
 * workflow tasks and activities waited to be picked up (scheduled → started); how many events
 * it has, and how many of them a stage's periodic check adds (for the long-stage estimate).
 */
import proto from '@temporalio/proto';
import { sum } from './figures';

type Event = proto.temporal.api.history.v1.IHistoryEvent;

const E = proto.temporal.api.enums.v1.EventType;
const T = {
  completed: E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  wftScheduled: E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  wftStarted: E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  wftCompleted: E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  actScheduled: E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  actStarted: E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
  actCompleted: E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
};
const CLOSED: ReadonlySet<number> = new Set([
  E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

export interface RunFacts {
  startMs: number;
  loadingMs: number | null;
  closeMs: number | null;
  status: 'completed' | 'failed' | 'running';
  events: number;
  /** Scheduled → started of each workflow task and each activity but the relay, in ms. */
  workflowTaskStartMs: number[];
  /** Started → completed of each workflow task (the worker's own time on it, with the round trip), in ms. */
  workflowTaskRunMs: number[];
  activityStartMs: number[];
  /** checkClients calls, and the events from the first stage's go to its finishClients. */
  checks: number;
  stageEvents: number;
  /** Per activity type, its time from scheduled to completed (summed over its calls), in ms. */
  activityMs: Record<string, number>;
}

const ms = (e: Event): number => {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : 0;
};

export function runFacts(events: Event[], relayActivity: string): RunFacts {
  const scheduled = new Map<number, { atMs: number; type: string }>();
  const facts: RunFacts = {
    startMs: events[0] ? ms(events[0]) : 0,
    loadingMs: null,
    closeMs: null,
    status: 'running',
    events: events.length,
    workflowTaskStartMs: [],
    workflowTaskRunMs: [],
    activityStartMs: [],
    checks: 0,
    stageEvents: 0,
    activityMs: {},
  };
  let stageFrom: number | null = null;
  const wftStartedAt = new Map<number, number>();
  events.forEach((e, index) => {
    const type = Number(e.eventType);
    const id = Number(e.eventId);
    if (type === T.wftScheduled || type === T.actScheduled) {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? 'workflow-task';
      scheduled.set(id, { atMs: ms(e), type: name });
      if (name === 'startClients' && facts.loadingMs === null) facts.loadingMs = ms(e);
      if (name === 'checkClients') facts.checks++;
      if (name === 'finishClients' && stageFrom !== null && facts.stageEvents === 0)
        facts.stageEvents = index - stageFrom;
    }
    if (type === T.wftStarted) {
      const from = scheduled.get(Number(e.workflowTaskStartedEventAttributes?.scheduledEventId));
      if (from) facts.workflowTaskStartMs.push(ms(e) - from.atMs);
      wftStartedAt.set(id, ms(e));
    }
    if (type === T.wftCompleted) {
      const started = wftStartedAt.get(Number(e.workflowTaskCompletedEventAttributes?.startedEventId));
      if (started !== undefined) facts.workflowTaskRunMs.push(ms(e) - started);
    }
    if (type === T.actStarted) {
      const from = scheduled.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
      if (from && from.type !== relayActivity) facts.activityStartMs.push(ms(e) - from.atMs);
      // The stage runs from its startStage's start (the go comes right after) to finishClients.
      if (from?.type === 'startStage' && stageFrom === null) stageFrom = index;
    }
    const done = e.activityTaskCompletedEventAttributes?.scheduledEventId;
    if (type === T.actCompleted && done) {
      const from = scheduled.get(Number(done));
      if (from) facts.activityMs[from.type] = (facts.activityMs[from.type] ?? 0) + ms(e) - from.atMs;
    }
    if (CLOSED.has(type)) {
      facts.closeMs = ms(e);
      facts.status = type === T.completed ? 'completed' : 'failed';
    }
  });
  return facts;
}

/**
 * The slowest 1% of the closed runs (at least one), for the p99: when they started (s after the
 * first run), and where their time went on average: workflow tasks waiting and running, and each
 * activity but the relay (scheduled to completed).
 */
export function describeSlowest(facts: readonly RunFacts[], relayActivity: string): string {
  const closed = facts.filter((f) => f.closeMs !== null);
  if (closed.length === 0) return '-';
  const wall = (r: RunFacts) => r.closeMs! - r.startMs;
  const slow = [...closed].sort((a, b) => wall(b) - wall(a)).slice(0, Math.ceil(closed.length / 100));
  const mean = (pick: (r: RunFacts) => number) => sum(slow.map(pick)) / slow.length;
  const t0 = Math.min(...facts.map((f) => f.startMs));
  const types = [...new Set(slow.flatMap((r) => Object.keys(r.activityMs)))].filter(
    (t) => t !== relayActivity,
  );
  return [
    `started at ${slow.map((r) => ((r.startMs - t0) / 1000).toFixed(0)).join(', ')} s`,
    `workflow tasks waited ${mean((r) => sum(r.workflowTaskStartMs)).toFixed(0)} ms, ran ${mean((r) => sum(r.workflowTaskRunMs)).toFixed(0)} ms (longest ${mean((r) => Math.max(0, ...r.workflowTaskRunMs)).toFixed(0)} ms)`,
    `activities (s): ${types.map((t) => `${t} ${(mean((r) => r.activityMs[t] ?? 0) / 1000).toFixed(2)}`).join(', ')}`,
  ].join('; ');
}

/**
 * One run's history as a timeline, one event a line: ms since the run's start, the event type
 * (short), and the activity it concerns; for `--timeline`, to see where a run's wall time went.
 */
export function timeline(events: Event[]): string[] {
  const t0 = events[0] ? ms(events[0]) : 0;
  const names = new Map<number, string>();
  return events.map((e) => {
    const type = E[Number(e.eventType)]?.replace('EVENT_TYPE_', '').toLowerCase() ?? String(e.eventType);
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) names.set(Number(e.eventId), scheduled);
    const ref =
      e.activityTaskStartedEventAttributes?.scheduledEventId ??
      e.activityTaskCompletedEventAttributes?.scheduledEventId ??
      e.activityTaskCancelRequestedEventAttributes?.scheduledEventId;
    const name = scheduled ?? (ref ? names.get(Number(ref)) : undefined) ?? '';
    return `${(ms(e) - t0).toFixed(0).padStart(8)} ms  ${type}${name ? ` ${name}` : ''}`;
  });
}
