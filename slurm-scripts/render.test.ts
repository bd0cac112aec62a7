import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillTemplate, shellQuote } from '../core/shell';
import { renderClientsScript, renderServiceScript } from './render';

const hostile = [
  '$(touch pwned-subst)',
  '`touch pwned-backtick`',
  'a; touch pwned-semicolon',
  "it's | touch pwned-pipe",
  '"double" && touch pwned-and',
  '${HOME} $PATH \\ * ? ~',
  ' leading and trailing spaces ',
  '-rf',
];

describe('shellQuote', () => {
  it('round-trips every hostile value through bash unchanged', () => {
    for (const value of hostile) {
      const out = spawnSync('bash', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
      expect(out.stdout).toBe(value);
    }
  });
  it('refuses NUL', () => expect(() => shellQuote('a\0b')).toThrow(/NUL/));
});

describe('fillTemplate', () => {
  it('fails on a missing or an unused value', () => {
    expect(() => fillTemplate('a {{x}}', {})).toThrow(/\{\{x\}\}/);
    expect(() => fillTemplate('a', { x: '1' })).toThrow(/does not use: x/);
  });
});

describe('service script', () => {
  it('passes hostile argv and env values to the service inert', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aifb-render-'));
    // The "service" records the argv and env it received, then exits.
    const recorder =
      'require("fs").writeFileSync("seen.json", JSON.stringify({argv: process.argv.slice(1), env: process.env.HOSTILE}))';
    const script = renderServiceScript({
      jobName: 'bench-x-service',
      env: { HOSTILE: hostile.join('\n') },
      argv: [process.execPath, '-e', recorder, ...hostile],
      announce: { port: 8123 },
    });
    writeFileSync(join(dir, 'job.sh'), script);
    const run = spawnSync('bash', ['job.sh'], {
      cwd: dir,
      env: { ...process.env, AIFB_JOB_DIR: dir, AIFB_ADVERTISE_HOST: '127.0.0.1' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    const seen = JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8'));
    expect(seen.argv).toEqual(hostile);
    expect(seen.env).toBe(hostile.join('\n'));
    for (const canary of ['subst', 'backtick', 'semicolon', 'pipe', 'and']) {
      expect(existsSync(join(dir, `pwned-${canary}`))).toBe(false);
    }
    expect(readFileSync(join(dir, 'endpoint'), 'utf8')).toBe('127.0.0.1:8123\n');
    expect(script).toContain('#SBATCH --job-name=bench-x-service');
  });

  it('refuses unsafe job names and env names', () => {
    expect(() => renderServiceScript({ jobName: 'a b', env: {}, argv: ['x'], announce: 'self' })).toThrow(
      /job name/,
    );
    expect(() =>
      renderServiceScript({ jobName: 'ok', env: { 'A;B': '1' }, argv: ['x'], announce: 'self' }),
    ).toThrow(/variable name/);
  });

  it('renders a client array script', () => {
    const script = renderClientsScript({ jobName: 'bench-x-s0-clients', clientCount: 3, runtime: 'node' });
    expect(script).toContain('#SBATCH --array=0-2');
    expect(script).toContain('loadgen.mjs');
  });
});
