/** Cancelling a run that already ended is refused like stopping one (409 / exit 1), not a silent 202. */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { AifbConfig } from '../core/node/config';
import { TemporalControl } from './temporal-control';
import { ControlError } from './types';

const config: AifbConfig = { dataDir: '/nonexistent', distDir: '/nonexistent', taskQueue: 'q' };

function controlWith(status: string) {
  const calls: string[] = [];
  const handle = {
    describe: async () => ({ status: { name: status }, runId: 'r' }),
    cancel: async () => {
      calls.push('cancel');
    },
  };
  const client = { workflow: { getHandle: () => handle } } as unknown as Client;
  return { control: new TemporalControl(client, config), calls };
}

describe('TemporalControl.cancel', () => {
  it('cancels a running benchmark', async () => {
    const { control, calls } = controlWith('RUNNING');
    await control.cancel('bench-x-aaaaaa');
    expect(calls).toEqual(['cancel']);
  });

  it.each(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT'])(
    'refuses a %s one as a conflict, without asking Temporal to cancel',
    async (status) => {
      const { control, calls } = controlWith(status);
      const err = await control.cancel('bench-x-aaaaaa').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ControlError);
      expect((err as ControlError).kind).toBe('conflict');
      expect((err as ControlError).message).toMatch(/bench-x-aaaaaa has already ended/);
      expect(calls).toEqual([]);
    },
  );
});
