/** `aifb list` and `aifb status` as text. */
import Table from 'cli-table3';
import type { BenchmarkListItem, BenchmarkView } from '../control/types';

const time = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

export function renderList(items: BenchmarkListItem[]): string {
  if (items.length === 0) return 'no benchmarks match';
  const table = new Table({
    head: ['benchmark', 'recipe', 'status', 'phase', 'service', 'executor', 'started', 'ended'],
    style: { head: [], border: [] },
  });
  for (const i of items) {
    table.push([
      i.benchmarkId,
      i.recipeName ?? '-',
      i.status,
      i.phase ?? '-',
      i.serviceKind ?? '-',
      i.executor ?? '-',
      time(i.startedAt),
      time(i.closedAt),
    ]);
  }
  return table.toString();
}

export function renderStatus(view: BenchmarkView): string {
  const live = view.live;
  const lines = [
    `${view.benchmarkId} (${view.recipeName ?? 'recipe unknown'}): ${view.status}, phase ${live?.phase ?? view.phase ?? '-'}`,
    `  service ${view.serviceKind ?? '-'} on ${view.executor ?? '-'}; started ${time(view.startedAt)}${view.closedAt ? `, ended ${time(view.closedAt)}` : ''}`,
  ];
  if (live) {
    if (live.phase === 'queued' && live.admission) {
      const place = live.admission.position
        ? `, ${live.admission.position} of ${live.admission.queued} in line`
        : '';
      lines.push(`  queued for its target (at most ${live.admission.limit} at once${place})`);
    }
    if (live.stageName)
      lines.push(`  stage ${live.stageName} (${(live.stageIndex ?? 0) + 1}/${live.stageCount})`);
    if (live.endpoint) lines.push(`  endpoint ${live.endpoint}`);
    if (live.jobs.length) lines.push(`  jobs ${live.jobs.join(', ')}`);
    if (live.stages.length) lines.push(`  stages done: ${live.stages.map((s) => s.name).join(', ')}`);
    if (live.stopRequested) lines.push('  stop requested');
  } else if (view.status === 'running') {
    lines.push('  (no worker answered the status query)');
  }
  if (view.failure) lines.push(`  failure: ${view.failure}`);
  return lines.join('\n');
}
