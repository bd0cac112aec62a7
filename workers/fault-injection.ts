/**
 * Fault injection for the chaos tier (test/chaos/): `AIFB_FAULT_DELAYS` holds an activity still
 * for a while before it starts or after it has done its work, so a test can kill the worker,
 * cancel or terminate the run at that exact point (e.g. `submitService:after:4s`: the job is
 * submitted but the workflow has not heard of it yet). Unset in production: no interceptor.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { ACTIVITY } from '../core/contract';
import { parseDurationMs } from '../core/duration';

export interface FaultDelay {
  activity: string;
  when: 'before' | 'after';
  ms: number;
}

/** `name:before|after:duration,...`; throws with the bad part named. */
export function parseFaultDelays(text: string | undefined): FaultDelay[] {
  if (!text?.trim()) return [];
  return text.split(',').map((part) => {
    const [activity = '', when = '', duration = ''] = part.trim().split(':');
    const ms = parseDurationMs(duration);
    if (!(activity in ACTIVITY) || (when !== 'before' && when !== 'after') || ms === undefined) {
      throw new Error(
        `AIFB_FAULT_DELAYS: ${JSON.stringify(part)} is not <activity>:before|after:<duration> (activities: ${Object.keys(ACTIVITY).join(', ')})`,
      );
    }
    return { activity, when, ms };
  });
}

export function faultDelayInterceptor(delays: readonly FaultDelay[]): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const mine = delays.filter((d) => d.activity === ctx.info.activityType);
        for (const d of mine) if (d.when === 'before') await sleep(d.ms);
        const result = await next(input);
        for (const d of mine) if (d.when === 'after') await sleep(d.ms);
        return result;
      },
    },
  });
}
