/**
 * `command`: the user's own client. Each client job runs the recipe's argv once per stage (no
 * shell: recipe values are argv words and environment values only), with the service's address
 * and this client's share of the load in its environment (`commandEnv`). It ends by itself when
 * its time is up; past the stage's end plus cooldown, or on a stop, aifb sends SIGTERM (then
 * SIGKILL 5 s later). If it wrote `$AIFB_RECORDS` (JSON lines of CommandRecord), every record
 * becomes a request in the same histograms and summary as aifb's own clients'.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadgenFiles } from '../../core/jobs';
import type {
  CommandExit,
  CommandRecord,
  CommandWorkloadSettings,
  LoadgenConfig,
  WorkloadResult,
} from '../../core/loadgen-protocol';
import { type ClientShare, shareOf } from '../config';
import type { DriveHooks, DriverContext, Operation, WorkloadDriver } from '../driver';

const KILL_AFTER_MS = 5000;

/** The documented environment of a command client (README "Bring your own client"). */
export function commandEnv(
  config: LoadgenConfig,
  clientIndex: number,
  share: ClientShare,
  recordsPath: string,
): Record<string, string> {
  const url = new URL(config.baseUrl);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const t = config.timing;
  const env: Record<string, string> = {
    SERVICE_URL: config.baseUrl,
    SERVICE_HOSTNAME: url.hostname.replace(/^\[|\]$/g, ''),
    SERVICE_PORT: port,
    AIFB_BENCHMARK: config.benchmarkId,
    AIFB_STAGE: config.stageName,
    AIFB_STAGE_INDEX: String(config.stageIndex),
    AIFB_CLIENT_INDEX: String(clientIndex),
    AIFB_CLIENT_COUNT: String(config.clientCount),
    AIFB_MODEL: config.model,
    AIFB_LOAD_MODE: config.load.mode,
    AIFB_WARMUP_S: String(t.warmupMs / 1000),
    AIFB_SEED: String(config.dataset.seed),
    AIFB_RECORDS: recordsPath,
  };
  if (t.durationMs !== undefined) env.AIFB_DURATION_S = String(t.durationMs / 1000);
  if (share.concurrency !== null) env.AIFB_CONCURRENCY = String(share.concurrency);
  if (share.ratePerS !== null) env.AIFB_RATE = String(share.ratePerS);
  if (share.maxRequests !== null) env.AIFB_MAX_REQUESTS = String(share.maxRequests);
  return env;
}

const recordSchema: z.ZodType<CommandRecord> = z
  .strictObject({
    start: z.number().finite().positive(),
    end: z.number().finite().positive(),
    ok: z.boolean(),
    error: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .optional(),
    class: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .optional(),
    counters: z.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/), z.number().finite()).optional(),
  })
  .refine((r) => r.end >= r.start, 'end is before start');

/** Parses `$AIFB_RECORDS`: valid lines, and the first problem of the others. */
export function parseCommandRecords(text: string): {
  records: CommandRecord[];
  bad: number;
  firstProblem?: string;
} {
  const records: CommandRecord[] = [];
  let bad = 0;
  let firstProblem: string | undefined;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      json = undefined;
    }
    const r = recordSchema.safeParse(json);
    if (r.success) records.push(r.data);
    else {
      bad++;
      firstProblem ??= `line ${i + 1}: ${json === undefined ? 'not JSON' : r.error.issues.map((x) => `${x.path.join('.') || '(record)'}: ${x.message}`).join('; ')}`;
    }
  });
  return { records, bad, ...(firstProblem ? { firstProblem } : {}) };
}

export class CommandDriver implements WorkloadDriver {
  private readonly settings: CommandWorkloadSettings;
  private exit: CommandExit | null = null;

  constructor(private readonly ctx: DriverContext) {
    if (ctx.config.workload?.kind !== 'command')
      throw new Error('the command workload needs its settings (workload.command)');
    this.settings = ctx.config.workload;
  }

  send(): Operation {
    throw new Error('a command client makes its own requests');
  }

  async drive(hooks: DriveHooks): Promise<void> {
    const { config, clientIndex, configDir, log } = this.ctx;
    const recordsPath = join(configDir, loadgenFiles.commandRecords(config.stageIndex, clientIndex));
    rmSync(recordsPath, { force: true });
    const [program, ...args] = this.settings.argv as [string, ...string[]];
    const env = {
      ...this.ctx.env,
      ...this.settings.env,
      ...commandEnv(config, clientIndex, shareOf(config, clientIndex), recordsPath),
    };
    let endedByAifb = false;
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      const child = spawn(program, args, { cwd: configDir, env, stdio: ['ignore', 'inherit', 'inherit'] });
      let killTimer: NodeJS.Timeout | undefined;
      const terminate = (why: string) => {
        if (child.exitCode !== null || child.signalCode !== null || endedByAifb) return;
        endedByAifb = true;
        log(`[loadgen ${clientIndex}] ${why}: sending the command SIGTERM`);
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      };
      const deadline = hooks.measureEndMs + hooks.cooldownMs;
      const endTimer = Number.isFinite(deadline)
        ? setTimeout(
            () => terminate('the stage and its cooldown are over'),
            Math.max(0, deadline - Date.now()),
          )
        : undefined;
      const onStop = () => terminate('the stage was stopped');
      hooks.signal.addEventListener('abort', onStop, { once: true });
      child.once('error', (err) => {
        log(`[loadgen ${clientIndex}] the command could not start: ${err.message}`);
        resolve({ code: 127, signal: null });
      });
      child.once('exit', (code, signal) => {
        clearTimeout(endTimer);
        clearTimeout(killTimer);
        hooks.signal.removeEventListener('abort', onStop);
        resolve({ code, signal });
      });
    });
    const parsed = existsSync(recordsPath)
      ? parseCommandRecords(readFileSync(recordsPath, 'utf8'))
      : { records: [], bad: 0 };
    for (const r of parsed.records) hooks.record(r);
    if (parsed.firstProblem)
      log(`[loadgen ${clientIndex}] ${parsed.bad} bad record(s) skipped; first: ${parsed.firstProblem}`);
    this.exit = { ...exit, endedByAifb, records: parsed.records.length, badRecords: parsed.bad };
    log(
      `[loadgen ${clientIndex}] command ended (${exit.signal ?? `exit ${exit.code}`}${endedByAifb ? ', ended by aifb' : ''}); ` +
        `${parsed.records.length} record(s)`,
    );
  }

  result(): Pick<WorkloadResult, 'command'> {
    return this.exit ? { command: this.exit } : {};
  }

  async close(): Promise<void> {}
}
