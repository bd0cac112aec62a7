/**
 * `sql`: transactions against PostgreSQL through node-postgres (`pg`, the usual Node client: pure
 * JavaScript, so it bundles into the job programs). The pool is the concurrency knob: a closed
 * loop has one connection per transaction in flight; an open loop at most its pool's
 * connections at once, later transactions waiting for one (their latency counts the wait).
 * Statements are prepared once per connection by name and bound per call, values never in text.
 */
import pg from 'pg';
import type { SqlWorkloadSettings } from '../../core/loadgen-protocol';
import { deriveRng } from '../../core/random';
import { clientShare, shareOf } from '../config';
import { promptStream } from '../dataset';
import {
  type DriverContext,
  type OperationPlan,
  type OpResult,
  PendingOp,
  type PhaseRecorder,
  type WorkloadDriver,
} from '../driver';
import { classifyError } from '../request';
import { createSqlPlanner, type SqlOperation } from './sql-mix';
import { loadBatches, loadSlice, SCHEMA_LOCK_KEY, SCHEMA_SQL } from './sql-schema';

/** How long `close` waits for transactions still running (aborted ones end by statement_timeout). */
const CLOSE_WAIT_MS = 5000;

/** The connections this client keeps: its share of the stage's concurrency, else of `connections`. */
export function sqlPoolSize(
  ctx: Pick<DriverContext, 'config' | 'clientIndex'>,
  settings: SqlWorkloadSettings,
) {
  const share = shareOf(ctx.config, ctx.clientIndex);
  if (share.concurrency !== null) return share.concurrency;
  return clientShare(settings.connections, ctx.config.clientCount, ctx.clientIndex);
}

/**
 * A failure's kind: Postgres's SQLSTATE as `sql_<code>` (e.g. sql_40001 for a serialization
 * failure), except a statement timeout (`timeout`) and connection trouble (`connection*`, which
 * the runner backs off from).
 */
export function sqlErrorKind(err: unknown): string {
  const e = err as { code?: unknown; severity?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && typeof e?.severity === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    if (code === '57014') return 'timeout';
    if (code.startsWith('08') || /^57P0[1-3]$/.test(code)) return 'connection';
    if (code.startsWith('28')) return 'sql_auth';
    return `sql_${code}`;
  }
  const kind = classifyError(err);
  if (kind !== 'other') return kind;
  const message = String(e?.message ?? err);
  if (/timeout exceeded when trying to connect/i.test(message)) return 'connection_timeout';
  if (/connection terminated|not queryable|Client has encountered a connection error/i.test(message))
    return 'connection';
  return 'other';
}

export class SqlDriver implements WorkloadDriver {
  private readonly settings: SqlWorkloadSettings;
  private readonly pool: pg.Pool;
  private readonly size: number;
  private readonly next: () => SqlOperation;
  private poolError = '';

  constructor(private readonly ctx: DriverContext) {
    const { config } = ctx;
    if (config.workload?.kind !== 'sql')
      throw new Error('the sql workload needs its settings (workload.sql)');
    this.settings = config.workload;
    const url = new URL(config.baseUrl);
    this.size = sqlPoolSize(ctx, this.settings);
    this.pool = new pg.Pool({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port),
      user: this.settings.user,
      database: this.settings.database,
      ...(this.settings.password !== undefined ? { password: this.settings.password } : {}),
      max: Math.max(1, this.size),
      // Connections stay for the stage: opening one is not part of any transaction measured.
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: config.requestTimeoutMs,
      // The server ends what the runner gave up on, so a timed-out transaction frees its connection.
      statement_timeout: config.requestTimeoutMs,
      application_name: `aifb-${config.benchmarkId}-c${ctx.clientIndex}`.slice(0, 63),
    });
    // An idle connection the server closed must not crash the client: the next use reports it.
    this.pool.on('error', (err) => {
      if (!this.poolError) ctx.log(`[loadgen ${ctx.clientIndex}] idle connection lost: ${err.message}`);
      this.poolError = err.message;
    });
    this.next = createSqlPlanner(
      this.settings,
      deriveRng(config.dataset.seed, promptStream(config.stageIndex, ctx.clientIndex)),
      { start: ctx.clientIndex, step: config.clientCount },
    );
  }

  /** Loads this client's slice of the table (once per benchmark), then opens the pool's connections. */
  async prepare(phases: PhaseRecorder): Promise<void> {
    if (this.settings.rows > 0) await this.loadTable(phases);
    const clients = await Promise.all(Array.from({ length: this.size }, () => this.pool.connect()));
    for (const c of clients) c.release();
  }

  private async loadTable(phases: PhaseRecorder): Promise<void> {
    const { config, clientIndex } = this.ctx;
    const { rows, padBytes } = this.settings;
    const client = await this.pool.connect();
    try {
      // The schema, made by whichever client comes first; the others find it.
      await client.query('BEGIN');
      await client.query(SCHEMA_SQL.lock, [SCHEMA_LOCK_KEY]);
      await client.query(SCHEMA_SQL.createLoads);
      if ((await client.query(SCHEMA_SQL.otherBenchmark, [config.benchmarkId])).rowCount) {
        await client.query(SCHEMA_SQL.dropItems);
        await client.query(SCHEMA_SQL.forgetLoads);
      }
      if (!(await client.query(SCHEMA_SQL.itemsExist)).rows[0]?.present) {
        await client.query(SCHEMA_SQL.createItems);
        await client.query(SCHEMA_SQL.startIdentity, [rows]);
      }
      const done = await client.query(SCHEMA_SQL.loaded, [config.benchmarkId, clientIndex]);
      await client.query('COMMIT');
      if (done.rowCount) return;

      const slice = loadSlice(rows, config.clientCount, clientIndex);
      // One transaction: the slice is there whole (and recorded) or not at all.
      await phases.run('load', async (item) => {
        await client.query('BEGIN');
        for (const b of loadBatches(config.dataset.seed, slice, padBytes)) {
          const started = performance.now();
          await client.query(SCHEMA_SQL.insertBatch, [b.ids, b.ks, b.vs, b.pads]);
          item(true, performance.now() - started, b.ids.length);
        }
        await client.query(SCHEMA_SQL.recordLoad, [
          config.benchmarkId,
          clientIndex,
          slice.last - slice.first + 1,
        ]);
        await client.query('COMMIT');
        // Fresh statistics, so the planner sees the rows (each client's ANALYZE samples what is in).
        await client.query(SCHEMA_SQL.analyze);
      });
      this.ctx.log(`[loadgen ${clientIndex}] loaded rows ${slice.first}-${slice.last} of aifb_items`);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new Error(`loading the sql workload's table failed: ${(err as Error).message}`);
    } finally {
      client.release();
    }
  }

  send(intendedMs: number, _plan: OperationPlan): PendingOp {
    const op = this.next();
    return new PendingOp(intendedMs, this.ctx.config.requestTimeoutMs, () => this.transaction(op), op.class);
  }

  private async transaction(op: SqlOperation): Promise<OpResult> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      return { ok: false, error: sqlErrorKind(err), detail: (err as Error).message, class: op.class };
    }
    let broken = false;
    try {
      if (op.explicit) await client.query('BEGIN');
      let rows = 0;
      for (const st of op.statements) {
        const r = await client.query({ name: st.name, text: st.text, values: st.values });
        rows += r.rowCount ?? 0;
      }
      if (op.explicit) await client.query('COMMIT');
      return { ok: true, class: op.class, counters: { rows } };
    } catch (err) {
      if (op.explicit)
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
      return { ok: false, error: sqlErrorKind(err), detail: (err as Error).message, class: op.class };
    } finally {
      // A connection whose transaction could not be rolled back is closed, not reused.
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.pool.end().catch(() => undefined),
      new Promise((r) => {
        timer = setTimeout(r, CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }
}
