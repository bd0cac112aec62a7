/**
 * The worker's side of service kind postgres: readiness is a real `SELECT 1` over the wire
 * protocol (node-postgres), as the role and with the password the job made; the identity is the
 * server's version. The password is read from the job's folder, never passed through a workflow.
 */
import pg from 'pg';
import { type JobRef, jobNames, serviceFiles } from '../core/jobs';
import { POSTGRES_DATABASE, POSTGRES_ROLE } from '../core/service-kinds';
import type { Executor } from '../executors/types';

/** The password the postgres job drew (slurm-scripts/postgres.sh); null until it has. */
export async function postgresPassword(executor: Executor, job: JobRef): Promise<string | null> {
  const text = (await executor.readFile(job, serviceFiles.postgresPassword, 0, 4096)).data.toString().trim();
  return text === '' ? null : text;
}

/**
 * The password of a benchmark's own postgres service job (the clients' stage files carry it);
 * null when there is none to read (a deployment's service lives in the deployment's folder).
 */
export function benchmarkPostgresPassword(executor: Executor, benchmarkId: string): Promise<string | null> {
  return postgresPassword(executor, { id: '', name: jobNames.service(benchmarkId), benchmarkId, tasks: 1 });
}

/** Runs `work` on one connection to the server at `base` (http://host:port), closed after. */
async function withConnection<T>(
  base: string,
  password: string,
  timeoutMs: number,
  work: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const url = new URL(base);
  const client = new pg.Client({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port),
    user: POSTGRES_ROLE,
    database: POSTGRES_DATABASE,
    password,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    application_name: 'aifb-probe',
  });
  // A connection dropped later must not crash the worker: the awaited call reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** null when `SELECT 1` answers 1; otherwise what went wrong, in words for the failure message. */
export async function postgresProblem(
  base: string,
  password: string | null,
  timeoutMs = 5000,
): Promise<string | null> {
  if (password === null) return 'the postgres job has not written its password yet (initdb running?)';
  try {
    const res = await withConnection(base, password, timeoutMs, (c) => c.query('SELECT 1 AS ok'));
    return res.rows[0]?.ok === 1 ? null : `SELECT 1 answered ${JSON.stringify(res.rows)}`;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return `SELECT 1 failed: ${e.code ? `${e.code} ` : ''}${e.message ?? String(err)}`;
  }
}

/** The server's version (`SHOW server_version`), or what kept it from saying. */
export async function postgresVersion(
  base: string,
  password: string,
  timeoutMs = 5000,
): Promise<{ version: string } | { problem: string }> {
  try {
    const res = await withConnection(base, password, timeoutMs, (c) => c.query('SHOW server_version'));
    return { version: String(res.rows[0]?.server_version ?? '') };
  } catch (err) {
    return { problem: `SHOW server_version: ${(err as Error).message}` };
  }
}
