/**
 * Every activity heartbeats while it runs, so a worker that dies is noticed within the
 * workflow's heartbeat timeout (10 s) whatever step it was in, instead of after the activity's
 * whole start-to-close timeout. Activities that resume from their details give them with
 * `heartbeat(details)`; the keep-alive repeats the latest ones, so it never erases them.
 */
import { Context } from '@temporalio/activity';

/** How often the keep-alive beats; the SDK throttles what reaches the server. */
const KEEP_ALIVE_MS = 2000;

const latest = new WeakMap<Context, unknown>();

/** Records this attempt's details (what a retried attempt resumes from) and beats now. */
export function heartbeat(details: unknown): void {
  const ctx = Context.current();
  latest.set(ctx, details);
  ctx.heartbeat(details);
}

/** Runs `fn` with a keep-alive heartbeat beside it. */
export function withKeepAlive<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    // Until this attempt says otherwise, keep the previous attempt's details alive.
    const beat = () => ctx.heartbeat(latest.has(ctx) ? latest.get(ctx) : ctx.info.heartbeatDetails);
    const timer = setInterval(beat, KEEP_ALIVE_MS);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}
