/**
 * The sidecar sampler's files (slurm-scripts/sampler.sh), parsed, and what a stage's window
 * makes of them: CPU and memory of the service's process tree, GPU utilisation, power and
 * energy. Rows start with epoch ms; a torn last line (the sampler is still writing) is skipped.
 */
import type { GpuAggregates, ProcessAggregates, Window } from '../core/summary-format';

export interface ProcRow {
  timeMs: number;
  cpuSeconds: number;
  rssBytes: number;
  processes: number;
}

export interface GpuRow {
  timeMs: number;
  index: number;
  uuid: string;
  /** null where nvidia-smi printed [N/A] or [Not Supported]. */
  utilizationPct: number | null;
  memoryUsedMiB: number | null;
  memoryTotalMiB: number | null;
  powerW: number | null;
  temperatureC: number | null;
}

function rows(text: string): string[][] {
  const lines = text.split('\n');
  // Without a final newline the last line may still be being written.
  if (!text.endsWith('\n')) lines.pop();
  return lines.filter((l) => l.trim() !== '' && !/^[a-z_]/i.test(l)).map((l) => l.split(','));
}

function num(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim();
  if (t === '' || t.startsWith('[')) return null; // [N/A], [Not Supported], [Unknown Error]
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

export function parseProcCsv(text: string): ProcRow[] {
  return rows(text)
    .map(([t, cpu, rss, n]) => ({
      timeMs: num(t) ?? Number.NaN,
      cpuSeconds: num(cpu) ?? Number.NaN,
      rssBytes: num(rss) ?? Number.NaN,
      processes: num(n) ?? 0,
    }))
    .filter((r) => Number.isFinite(r.timeMs) && Number.isFinite(r.cpuSeconds) && Number.isFinite(r.rssBytes));
}

/** `time_ms,index,uuid,utilization.gpu,memory.used,memory.total,power.draw,temperature.gpu` (nounits). */
export function parseGpuCsv(text: string): GpuRow[] {
  const out: GpuRow[] = [];
  for (const f of rows(text)) {
    const timeMs = num(f[0]);
    const index = num(f[1]);
    if (timeMs === null || index === null || f.length < 8) continue;
    out.push({
      timeMs,
      index,
      uuid: (f[2] ?? '').trim(),
      utilizationPct: num(f[3]),
      memoryUsedMiB: num(f[4]),
      memoryTotalMiB: num(f[5]),
      powerW: num(f[6]),
      temperatureC: num(f[7]),
    });
  }
  return out;
}

const inWindow = (w: Window) => (r: { timeMs: number }) => r.timeMs >= w.startMs && r.timeMs <= w.endMs;

export function aggregateProcess(all: ProcRow[], window: Window): ProcessAggregates {
  const rs = all.filter(inWindow(window));
  const rates: number[] = [];
  for (let i = 1; i < rs.length; i++) {
    const dt = (rs[i]!.timeMs - rs[i - 1]!.timeMs) / 1000;
    const dcpu = rs[i]!.cpuSeconds - rs[i - 1]!.cpuSeconds;
    // A process that exits takes its CPU time with it until reaped: skip negative steps.
    if (dt > 0 && dcpu >= 0) rates.push(dcpu / dt);
  }
  const first = rs[0];
  const last = rs.at(-1);
  const span = first && last ? (last.timeMs - first.timeMs) / 1000 : 0;
  return {
    samples: rs.length,
    cpuCoresMean: first && last && span > 0 ? Math.max(0, last.cpuSeconds - first.cpuSeconds) / span : null,
    cpuCoresMax: rates.length > 0 ? Math.max(...rates) : null,
    rssMaxBytes: rs.length > 0 ? Math.max(...rs.map((r) => r.rssBytes)) : null,
  };
}

const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const max = (xs: number[]) => (xs.length > 0 ? Math.max(...xs) : null);
const known = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);

export function aggregateGpus(all: GpuRow[], window: Window): GpuAggregates {
  const rs = all.filter(inWindow(window));
  const byGpu = new Map<number, GpuRow[]>();
  for (const r of rs) {
    const list = byGpu.get(r.index) ?? [];
    byGpu.set(r.index, list);
    list.push(r);
  }
  let energyJ: number | null = null;
  for (const list of byGpu.values()) {
    const powered = list.filter((r) => r.powerW !== null).sort((a, b) => a.timeMs - b.timeMs);
    for (let i = 1; i < powered.length; i++) {
      const [a, b] = [powered[i - 1]!, powered[i]!];
      energyJ = (energyJ ?? 0) + ((a.powerW! + b.powerW!) / 2) * ((b.timeMs - a.timeMs) / 1000);
    }
  }
  return {
    gpus: byGpu.size,
    samples: rs.length,
    utilizationMeanPct: mean(known(rs.map((r) => r.utilizationPct))),
    utilizationMaxPct: max(known(rs.map((r) => r.utilizationPct))),
    memoryUsedMaxMiB: max(known(rs.map((r) => r.memoryUsedMiB))),
    powerMeanW: mean(known(rs.map((r) => r.powerW))),
    energyJ,
  };
}
