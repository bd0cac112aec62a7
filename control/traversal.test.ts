/**
 * Ids and log components never reach outside their folder: `..` once served data/secret.log
 * and data/summary.json to anyone (issue item 6). No Temporal needed: the file reads come first.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { type AifbConfig, paths } from '../core/node/config';
import { HttpControl } from './http-control';
import { readLogs } from './logs';
import { TemporalControl } from './temporal-control';
import { ControlError } from './types';

const BAD_IDS = ['..', '.', '...', '../x', 'a/b', 'a\0b', '', 'x'.repeat(500), 'bé'];

function dataDir(): AifbConfig {
  const dir = mkdtempSync(join(tmpdir(), 'aifb-traversal-'));
  writeFileSync(join(dir, 'secret.log'), 'SECRET\n');
  writeFileSync(join(dir, 'summary.json'), '{"secret":true}');
  mkdirSync(join(dir, 'logs', 'bench-ok-aaaaaa'), { recursive: true });
  writeFileSync(join(dir, 'logs', 'bench-ok-aaaaaa', 'service.log'), 'ok\n');
  mkdirSync(join(dir, 'results'), { recursive: true });
  return { dataDir: dir, distDir: join(dir, 'dist'), taskQueue: 'q' };
}

// Any use of the client would be a bug here: the id must be refused before Temporal is asked.
const noClient = new Proxy({} as Client, {
  get: () => {
    throw new Error('Temporal must not be asked about a bad id');
  },
});

async function refusal(promise: Promise<unknown>): Promise<ControlError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ControlError);
  return err as ControlError;
}

describe('path traversal through ids and components', () => {
  it('TemporalControl refuses dot and other bad ids for results and logs (400-kind, nothing read)', async () => {
    const control = new TemporalControl(noClient, dataDir());
    for (const id of BAD_IDS) {
      expect((await refusal(control.results(id))).kind, id).toBe('invalid-input');
      const logs = await refusal(control.logs(id, { component: 'secret' }));
      expect(logs.kind, id).toBe('invalid-input');
      expect(logs.message).not.toMatch(/SECRET/);
    }
  });

  it('a good id still reads its own logs', async () => {
    const control = new TemporalControl(noClient, dataDir());
    expect((await control.logs('bench-ok-aaaaaa')).text).toBe('ok\n');
  });

  it('paths.* resolve inside their folder or throw', () => {
    const config = dataDir();
    expect(paths.results(config, 'bench-ok-aaaaaa')).toBe(join(config.dataDir, 'results', 'bench-ok-aaaaaa'));
    for (const id of ['..', '.', '../logs', 'a/../..']) {
      expect(() => paths.results(config, id), id).toThrow(/inside/);
      expect(() => paths.logs(config, id), id).toThrow(/inside/);
    }
  });

  it('readLogs refuses a component that resolves outside the logs folder', async () => {
    const config = dataDir();
    const dir = join(config.dataDir, 'logs', 'bench-ok-aaaaaa');
    for (const component of ['../../secret', '/etc/passwd', 'x/../../../secret']) {
      expect((await refusal(readLogs(dir, 'bench-ok-aaaaaa', { component }))).kind, component).toBe(
        'invalid-input',
      );
    }
  });

  it('HttpControl refuses bad ids before building a URL (`..` would be normalised away)', async () => {
    const control = new HttpControl('http://127.0.0.1:1', null);
    for (const id of ['..', '.', 'a/b']) {
      expect((await refusal(control.logs(id, { component: 'secret' }))).kind).toBe('invalid-input');
      expect((await refusal(control.results(id))).kind).toBe('invalid-input');
      expect((await refusal(control.cancel(id))).kind).toBe('invalid-input');
    }
  });
});
