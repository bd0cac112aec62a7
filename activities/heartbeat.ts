/**
 * Every activity heartbeats while it runs, so a worker that dies is noticed within the
 * workflow's heartbeat timeout (10 s) whatever step it was in, instead of after the activity's
 * whole start-to-close timeout. Activities that resume from their details give them with
 * `heartbeat(details)`; the keep-alive repeats the latest ones, so it never erases them.
 */
import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** How often the keep-alive beats; the SDK throttles what reaches the server. */
const KEEP_ALIVE_MS = 2000;

const latest = new WeakMap<Context, unknown>();

/** Records this attempt's details (what a retried attempt resumes from) and beats now. */
export function heartbeat(details: unknown): void {
  const ctx = Context.current();
  latest.set(ctx, details);
  ctx.heartbeat(details);
}

/** Runs one activity attempt (`ctx`) with a keep-alive heartbeat beside it. */
export async function withKeepAlive<R>(ctx: Context, run: () => Promise<R>): Promise<R> {
  // Until this attempt says otherwise, keep the previous attempt's details alive.
  const beat = () => ctx.heartbeat(latest.has(ctx) ? latest.get(ctx) : ctx.info.heartbeatDetails);
  const timer = setInterval(beat, KEEP_ALIVE_MS);
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}

/** The worker runs every activity through this (workers/worker.ts), fakes in tests included. */
export const keepAliveInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: { execute: (input, next) => withKeepAlive(ctx, () => next(input)) },
});
