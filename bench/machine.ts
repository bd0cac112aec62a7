/** What every bench prints first: the machine it ran on (bench/README.md). */
import { cpus, loadavg, release, totalmem } from 'node:os';

/** The 1-, 5- and 15-minute load averages: how busy the machine was beside the bench. */
export function loadAverage(): string {
  return loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/** `machine: <cpu> × <n> cores, <GiB>, Linux …, Node …, <extras>, load average …`. */
export function machineLine(...extras: string[]): string {
  const facts = [
    `${cpus()[0]?.model ?? '?'} × ${cpus().length} cores`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Linux ${release()}`,
    `Node ${process.version}`,
    ...extras,
    `load average ${loadAverage()}`,
  ];
  return `machine: ${facts.join(', ')}`;
}
