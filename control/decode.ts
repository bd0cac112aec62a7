/** Visibility records (list and describe answers) → our list rows. */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { benchmarkIdOf } from '../core/benchmark-id';
import type { Phase } from '../core/contract';
import { BenchmarkIdKey, ExecutorKey, PhaseKey, RecipeKey, ServiceKindKey } from '../core/search-attributes';
import type { BenchmarkListItem } from './types';
import { runStatusOf } from './visibility';

type RawInfo = WorkflowExecutionInfo['raw'];
type Timestamp = RawInfo['startTime'];

function isoOf(ts: Timestamp): string | null {
  if (!ts?.seconds) return null;
  return new Date(Number(ts.seconds) * 1000 + Math.round((ts.nanos ?? 0) / 1e6)).toISOString();
}

function keywordOf(raw: RawInfo, name: string): string | null {
  const payload = raw.searchAttributes?.indexedFields?.[name];
  if (!payload) return null;
  const value = defaultPayloadConverter.fromPayload<unknown>(payload);
  // Older servers hand keywords back as one-element lists.
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : null;
}

export function listItemOf(raw: RawInfo): BenchmarkListItem {
  const workflowId = raw.execution?.workflowId ?? '';
  return {
    benchmarkId: keywordOf(raw, BenchmarkIdKey.name) ?? benchmarkIdOf(workflowId),
    workflowId,
    runId: raw.execution?.runId ?? '',
    status: runStatusOf(raw.status),
    phase: keywordOf(raw, PhaseKey.name) as Phase | null,
    recipeName: keywordOf(raw, RecipeKey.name),
    serviceKind: keywordOf(raw, ServiceKindKey.name),
    executor: keywordOf(raw, ExecutorKey.name),
    startedAt: isoOf(raw.startTime) ?? new Date(0).toISOString(),
    closedAt: isoOf(raw.closeTime),
  };
}
