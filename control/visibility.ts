/**
 * List filters → a Temporal visibility query (the SQL-like language of `temporal workflow
 * list --query` and the Web UI's filter box). Pure, so what the API sends is unit-tested.
 */
import type { Phase } from '../core/contract';
import { ExecutorKey, PhaseKey, RecipeKey, ServiceKindKey } from '../core/search-attributes';
import type { ListFilter, RunStatus } from './types';

/** Our status names → visibility's ExecutionStatus values. */
export const EXECUTION_STATUS: Record<RunStatus, string> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Canceled',
  terminated: 'Terminated',
  'timed-out': 'TimedOut',
  'continued-as-new': 'ContinuedAsNew',
};

/** A string literal of the query language: single quotes, backslash-escaped. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function isoTime(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`${field}: not a date/time: ${value}`);
  return new Date(ms).toISOString();
}

export function buildListQuery(filter: ListFilter, workflowType: string): string {
  const clauses = [`WorkflowType = ${quote(workflowType)}`];
  if (filter.status) clauses.push(`ExecutionStatus = ${quote(EXECUTION_STATUS[filter.status])}`);
  const keyword: [string, string | Phase | undefined][] = [
    [PhaseKey.name, filter.phase],
    [RecipeKey.name, filter.recipe],
    [ServiceKindKey.name, filter.serviceKind],
    [ExecutorKey.name, filter.executor],
  ];
  for (const [name, value] of keyword) if (value !== undefined) clauses.push(`${name} = ${quote(value)}`);
  if (filter.startedAfter) {
    clauses.push(`StartTime >= ${quote(isoTime(filter.startedAfter, 'startedAfter'))}`);
  }
  if (filter.startedBefore) {
    clauses.push(`StartTime < ${quote(isoTime(filter.startedBefore, 'startedBefore'))}`);
  }
  return clauses.join(' AND ');
}

/** Temporal's status enum (WorkflowExecutionStatus) → ours. */
export function runStatusOf(code: number | null | undefined): RunStatus {
  const byCode: Record<number, RunStatus> = {
    1: 'running',
    2: 'completed',
    3: 'failed',
    4: 'cancelled',
    5: 'terminated',
    6: 'continued-as-new',
    7: 'timed-out',
  };
  return byCode[code ?? 0] ?? 'running';
}
