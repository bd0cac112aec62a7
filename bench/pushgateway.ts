/**
 * `npm run bench:pushgateway`: what one PUT costs Pushgateway when it already holds G groups, with
 * its per-push consistency check (the default) and without it (`--push.disable-consistency-check`,
 * as aifb runs it: README "Scale"). Each group is one benchmark's client group of 40 series. Prints
 * the machine, the figures, and last the RESULT line. Not a test: nothing asserts.
 */
import { parseArgs } from 'node:util';
import { spawnUntilReady } from '../core/node/child-server';
import { TELEMETRY_BINARIES } from '../telemetry/embedded';
import { machineLine } from './machine';

const { values: flags } = parseArgs({
  options: { groups: { type: 'string', default: '1000' }, puts: { type: 'string', default: '50' } },
});
const GROUPS = Number(flags.groups);
const PUTS = Number(flags.puts);
const SERIES = 40;

const body = (value: number) =>
  `${Array.from({ length: SERIES }, (_, i) => `# TYPE aifb_bench_m${i} gauge\naifb_bench_m${i}{client="0"} ${value + i}`).join('\n')}\n`;

async function cpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^process_cpu_seconds_total (\S+)/m.exec(text)?.[1] ?? Number.NaN);
}

async function measure(extra: string[]): Promise<{ wallMs: number; cpuMs: number }> {
  const port = 29_000 + Math.floor(Math.random() * 2000);
  const url = `http://127.0.0.1:${port}`;
  const pushgateway = await spawnUntilReady({
    binary: TELEMETRY_BINARIES.pushgateway,
    args: [`--web.listen-address=127.0.0.1:${port}`, ...extra],
    ready: () =>
      fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      ),
    what: 'Pushgateway',
    where: url,
    timeoutMs: 10_000,
    pollMs: 100,
  });
  try {
    const put = (group: number, value: number) =>
      fetch(`${url}/metrics/job/aifb/benchmark/b${group}`, { method: 'PUT', body: body(value) }).then((r) => {
        if (!r.ok) throw new Error(`PUT: HTTP ${r.status}`);
      });
    for (let g = 0; g < GROUPS; g += 50)
      await Promise.all(Array.from({ length: Math.min(50, GROUPS - g) }, (_, k) => put(g + k, g + k)));
    const cpu0 = await cpuSeconds(url);
    const t0 = performance.now();
    for (let i = 0; i < PUTS; i++) await put(i % GROUPS, i + 1);
    const wallMs = (performance.now() - t0) / PUTS;
    // The /metrics read for the CPU figure renders every group once: a small share of PUTS puts.
    const cpuMs = (((await cpuSeconds(url)) - cpu0) / PUTS) * 1000;
    return { wallMs, cpuMs };
  } finally {
    await pushgateway.stop();
  }
}

console.log(machineLine());
const checked = await measure([]);
const unchecked = await measure(['--push.disable-consistency-check']);
console.log(`${GROUPS} groups of ${SERIES} series held; ${PUTS} PUTs one after another:`);
console.log(
  `  consistency check on (default): ${checked.wallMs.toFixed(1)} ms a PUT, ${checked.cpuMs.toFixed(1)} ms of its CPU`,
);
console.log(
  `  --push.disable-consistency-check: ${unchecked.wallMs.toFixed(1)} ms a PUT, ${unchecked.cpuMs.toFixed(1)} ms of its CPU`,
);
console.log(
  `RESULT groups=${GROUPS} put_ms_checked=${checked.wallMs.toFixed(1)} cpu_ms_checked=${checked.cpuMs.toFixed(1)} put_ms_unchecked=${unchecked.wallMs.toFixed(1)} cpu_ms_unchecked=${unchecked.cpuMs.toFixed(1)}`,
);
