/**
 * A real log store for the telemetry tier: VictoriaLogs (built by scripts/victorialogs/install.sh),
 * which takes Loki's push API at /insert/loki/api/v1/push, so aifb pushes to it exactly as to
 * Loki, and answers LogsQL at /select/logsql/query. Loki itself cannot be installed here; users
 * deploy Loki. Started on a free port with its data in a fresh folder, one per test file.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { logShipFiles } from '../../core/jobs';
import type { LogShipState } from '../../core/loadgen-protocol';
import { spawnUntilReady } from '../../core/node/child-server';
import type { AifbConfig } from '../../core/node/config';
import { freePort } from '../integration/harness';

/** What VictoriaLogs stores for an empty line (it keeps no empty message): our flag's value. */
export const EMPTY_LINE = '(aifb: empty line)';

export function victoriaLogsBinary(): string {
  const cache =
    process.env.AIFB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aifb');
  return process.env.AIFB_VICTORIALOGS_BIN ?? join(cache, 'victorialogs', 'bin', 'victoria-logs');
}

/** One stored entry, as LogsQL returns it (stream fields are aifb's labels). */
export interface LogRow {
  _msg: string;
  _time: string;
  _stream: string;
  benchmark?: string;
  component?: string;
  stream?: string;
  job_id?: string;
}

export interface VictoriaLogs {
  url: string;
  /** The base URL aifb is given as its Loki (it appends /loki/api/v1/push). */
  lokiUrl: string;
  /** Every entry a LogsQL query selects, oldest first. */
  query(logsql: string): Promise<LogRow[]>;
  stop(): Promise<void>;
}

/** `_time` (RFC 3339, up to 9 fraction digits) as epoch nanoseconds, for exact ordering. */
export function timeNs(time: string): bigint {
  const match = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(time);
  if (!match) throw new Error(`not an RFC 3339 UTC time: ${time}`);
  const seconds = BigInt(Date.parse(`${match[1]}Z`)) / 1000n;
  return seconds * 1_000_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

export async function startVictoriaLogs(): Promise<VictoriaLogs> {
  const binary = victoriaLogsBinary();
  if (!existsSync(binary)) {
    throw new Error(
      `${binary} is missing: the telemetry tier needs VictoriaLogs (run \`make setup\` or bash scripts/victorialogs/install.sh)`,
    );
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await spawnUntilReady({
    binary,
    args: [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${mkdtempSync(join(tmpdir(), 'aifb-vlogs-'))}`,
      // Lines are stored as sent: no JSON parsing of a line into fields.
      '-loki.disableMessageParsing',
      `-defaultMsgValue=${EMPTY_LINE}`,
      '-loggerLevel=WARN',
    ],
    ready: () =>
      fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      ),
    what: 'VictoriaLogs',
    where: url,
    timeoutMs: 30_000,
    pollMs: 100,
  });
  return {
    url,
    lokiUrl: `${url}/insert`,
    async query(logsql) {
      // Makes what was just ingested searchable now rather than within a second.
      await fetch(`${url}/internal/force_flush`).then((r) => r.text());
      const res = await fetch(`${url}/select/logsql/query`, {
        method: 'POST',
        body: new URLSearchParams({ query: logsql }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`LogsQL ${logsql}: HTTP ${res.status}: ${text.slice(0, 300)}`);
      const rows = text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as LogRow);
      return rows.sort((a, b) => (timeNs(a._time) < timeNs(b._time) ? -1 : 1));
    },
    stop: () => child.stop(),
  };
}

/** Queries until `ok` accepts the rows (ingested entries become searchable within a second or so). */
export async function eventuallyRows(
  logs: VictoriaLogs,
  logsql: string,
  ok: (rows: LogRow[]) => boolean,
  timeoutMs = 15_000,
): Promise<LogRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await logs.query(logsql);
    if (ok(rows) || Date.now() > deadline) return rows;
    await sleep(300);
  }
}

/**
 * Every whole line of every log copy of benchmark `id` is in the log store exactly once, in
 * order, under aifb's labels as stream fields (benchmark, component, stream, job_id); nothing
 * else is. Returns the number of lines.
 */
export async function expectEveryLineOnce(
  logs: VictoriaLogs,
  config: AifbConfig,
  id: string,
): Promise<number> {
  const logsDir = join(config.dataDir, 'logs', id);
  const expected: Record<string, string[]> = {};
  for (const file of readdirSync(logsDir).filter((f) => f.endsWith('.log'))) {
    const component = file.replace(/(\.err)?\.log$/, '');
    const stream = file.endsWith('.err.log') ? 'stderr' : 'stdout';
    const lines = readFileSync(join(logsDir, file), 'utf8').split('\n').slice(0, -1);
    if (lines.length > 0) expected[`${component} ${stream}`] = lines.map((l) => (l === '' ? EMPTY_LINE : l));
  }
  const total = Object.values(expected).reduce((n, lines) => n + lines.length, 0);
  const rows = await eventuallyRows(logs, `{benchmark="${id}"}`, (r) => r.length >= total);
  const got: Record<string, string[]> = {};
  for (const row of rows) {
    expect(row._stream).toBe(
      `{benchmark="${id}",component="${row.component}",job_id="${row.job_id}",stream="${row.stream}"}`,
    );
    expect(row.job_id).toMatch(/./);
    const key = `${row.component} ${row.stream}`;
    got[key] = [...(got[key] ?? []), row._msg];
  }
  expect(got).toEqual(expected);
  return total;
}

/**
 * Each task's log-shipper state in the benchmark's job folders (`jobsDir`: one folder per job),
 * beside the size of the job file it ships.
 */
export function shipperStates(jobsDir: string) {
  return readdirSync(jobsDir).flatMap((jobName) =>
    readdirSync(join(jobsDir, jobName))
      .filter((f) => /^std(out|err)-\d+\.log$/.test(f))
      .map((file) => {
        const task = /-(\d+)\.log$/.exec(file)![1]!;
        const state = JSON.parse(
          readFileSync(join(jobsDir, jobName, logShipFiles.state(task)), 'utf8'),
        ) as LogShipState;
        return { job: jobName, file, size: statSync(join(jobsDir, jobName, file)).size, state };
      }),
  );
}
