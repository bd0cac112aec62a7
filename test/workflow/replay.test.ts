/**
 * Determinism guard: recorded histories (test/fixtures/histories/*.json) must replay against the
 * current workflow code. A failure here means a change would break benchmarks already running
 * (their histories would no longer replay on the new worker). If the change is intended and no
 * benchmark is in flight, or it is guarded with patched(), re-record with
 * `npx tsx scripts/record-histories.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITY } from '../../core/contract';
import { repoRoot } from '../../core/node/config';
import { bundleWorkflows, installQuietRuntime } from './harness';
import { historyFromJson } from './history-json';

const historiesDir = join(repoRoot, 'test', 'fixtures', 'histories');
const files = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

interface JsonEvent {
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType: { name: string } };
}

function readHistoryJson(file: string): { events: JsonEvent[] } {
  return JSON.parse(readFileSync(join(historiesDir, file), 'utf8'));
}

let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  installQuietRuntime();
  bundle = await bundleWorkflows();
});

describe('replay of recorded histories', () => {
  it('has the recorded histories to replay', () => {
    expect(files).toEqual(
      expect.arrayContaining(['happy-path-two-stages.json', 'cancelled-during-load.json']),
    );
  });

  it('replays every recorded history against the current workflow code', async () => {
    const histories = files.map((file) => ({
      workflowId: file,
      history: historyFromJson(readHistoryJson(file)),
    }));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
      replayed += 1;
      if (result.error) {
        failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
      }
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });

  // The guard must be able to fail: a history whose first activity is not what the code schedules.
  it('detects non-determinism (control: a history altered to schedule another activity)', async () => {
    const json = readHistoryJson('happy-path-two-stages.json');
    const scheduled = json.events.find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
    expect(scheduled?.activityTaskScheduledEventAttributes?.activityType.name).toBe(ACTIVITY.relayTelemetry);
    scheduled!.activityTaskScheduledEventAttributes!.activityType.name = 'someOtherActivity';

    const replay = Worker.runReplayHistory({ workflowBundle: bundle }, historyFromJson(json), 'altered');
    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
