/**
 * One client of the benchmark's clients allocation, serving every stage in turn: it waits for
 * `stage-<s>.json`, says `ready-<s>-<i>.json`, waits for `go-<s>.json`, starts its warm-up at
 * the go's instant, writes `result-<s>-<i>.json`, and goes on with the next stage until `done`.
 * `stop-<s>` ends (or skips) stage s. The files are the worker's and its (core/jobs.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadgenFiles } from '../core/jobs';
import type { LoadgenConfig } from '../core/loadgen-protocol';
import type { StageGo, StageReady } from '../core/stage-start';
import { parseLoadgenConfig } from './config';
import { writeJsonAtomic } from './output';
import { prepareLoadgen } from './runner';

export interface ServeOptions {
  clientIndex: number;
  /** The job folder: stage files in, progress and results out. */
  dir: string;
  /** Aborted (SIGTERM): the stage running ends normally with its result, and no other starts. */
  signal?: AbortSignal;
  /** How often the files are looked for (default 100 ms: the go gives 0.5 s of notice, 2 s on Slurm). */
  pollMs?: number;
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** A file's JSON once it exists (all are written atomically), or undefined. */
function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Returns how many stages this client ran. */
export async function serveStages(opts: ServeOptions): Promise<number> {
  const { dir, clientIndex, signal } = opts;
  const pollMs = opts.pollMs ?? 100;
  const log = opts.log ?? ((line: string) => console.log(line));
  const file = (name: string) => join(dir, name);
  const finished = () => signal?.aborted === true || existsSync(file(loadgenFiles.done));
  /** Polls `read` until it gives a value; undefined when told to finish (or `skip` holds). */
  const until = async <T>(read: () => T | undefined, skip = () => false): Promise<T | undefined> => {
    for (;;) {
      const value = read();
      if (value !== undefined) return value;
      if (finished() || skip()) return undefined;
      await sleep(pollMs);
    }
  };

  let ran = 0;
  for (let stage = 0; ; stage++) {
    const raw = await until(() => readJson(file(loadgenFiles.stage(stage))));
    if (raw === undefined) return ran;
    const config: LoadgenConfig = parseLoadgenConfig(raw);
    if (config.stageIndex !== stage) throw new Error(`stage-${stage}.json is for stage ${config.stageIndex}`);
    const stopped = () => existsSync(file(loadgenFiles.stop(stage)));
    // Preparation (a data set to insert, a schema to load) comes before "ready": the stage's
    // clock starts only when every client can send.
    const runOptions = {
      clientIndex,
      outDir: dir,
      configDir: dir,
      log,
      ...(opts.env ? { env: opts.env } : {}),
    };
    const prepared = await prepareLoadgen(config, runOptions);
    const ready: StageReady = { clientIndex, atMs: Date.now() };
    writeJsonAtomic(file(loadgenFiles.ready(stage, clientIndex)), ready);
    const go = await until(() => readJson(file(loadgenFiles.go(stage))) as StageGo | undefined, stopped);
    if (go === undefined || !go.clients.includes(clientIndex)) {
      await prepared.discard();
      if (go === undefined && finished()) return ran;
      log(
        go === undefined
          ? `[loadgen ${clientIndex}] stage ${stage} stopped before it started`
          : // Started without us (we came too late): running it now would not be "together".
            `[loadgen ${clientIndex}] stage ${stage} started without this client; skipping it`,
      );
      continue;
    }
    const stageStop = new AbortController();
    const onAbort = () => stageStop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const watch = setInterval(() => {
      if (stopped()) stageStop.abort();
    }, pollMs);
    try {
      await prepared.run(go.startAtMs, stageStop.signal);
    } finally {
      clearInterval(watch);
      signal?.removeEventListener('abort', onAbort);
    }
    ran++;
    if (signal?.aborted) return ran;
  }
}
