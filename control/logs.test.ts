import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastLines, readLogs } from './logs';

describe('lastLines', () => {
  it('keeps the last n lines and the trailing newline', () => {
    expect(lastLines('a\nb\nc\n', 2)).toBe('b\nc\n');
    expect(lastLines('a\nb\nc', 2)).toBe('b\nc');
    expect(lastLines('a\n', 5)).toBe('a\n');
    expect(lastLines('', 3)).toBe('');
  });
});

describe('readLogs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aifb-logs-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'service.log'), 'one\ntwo\nthree\n');
  writeFileSync(join(dir, 'service.err.log'), '');
  writeFileSync(join(dir, 's0-clients-0.log'), 'loadgen\n');

  it('lists the components and defaults to the service, tailing lines', async () => {
    const view = await readLogs(dir, 'b1', { tail: 2 });
    expect(view).toEqual({
      benchmarkId: 'b1',
      component: 'service',
      components: ['s0-clients-0', 'service', 'service.err'],
      text: 'two\nthree\n',
      nextOffset: 14,
    });
  });

  it('follows from an offset: only what was appended since', async () => {
    const first = await readLogs(dir, 'b1', { component: 's0-clients-0' });
    appendFileSync(join(dir, 's0-clients-0.log'), 'more\n');
    const next = await readLogs(dir, 'b1', { component: 's0-clients-0', offset: first.nextOffset });
    expect(next.text).toBe('more\n');
    expect(next.nextOffset).toBe(first.nextOffset + 5);
  });

  it('says which components exist when asked for another, and when there are no logs', async () => {
    await expect(readLogs(dir, 'b1', { component: 'nope' })).rejects.toThrow(/has: s0-clients-0, service/);
    await expect(readLogs(join(dir, 'missing'), 'b2', {})).rejects.toThrow(/no logs for b2/);
  });
});
