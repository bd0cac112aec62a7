import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { moduleLines, withModules } from './slurm-modules';

const dir = mkdtempSync(join(tmpdir(), 'aifb-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const missing = join(dir, 'missing.sh');
/** A stand-in module system: knows `good`, says so like Lmod for anything else. */
const fakeInit = join(dir, 'fake-init.sh');
writeFileSync(
  fakeInit,
  `echo "fake init sourced"
module() {
  [ "$1" = load ] || return 2
  if [ "$2" = good ]; then export FAKE_LOADED="$2"; return 0; fi
  echo "fake: The following module(s) are unknown: \\"$2\\"" >&2
  return 1
}
`,
);
const emptyInit = join(dir, 'empty-init.sh');
writeFileSync(emptyInit, 'echo "defines nothing"\n');

/** Runs a script in a bash like a batch job's: no login, no rc files, no `module` inherited. */
function run(script: string, env: Record<string, string> = {}) {
  const out = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('moduleLines', () => {
  it('renders valid bash for the default init files', () => {
    const script = moduleLines(['env/release/2023.1', 'Apptainer/1.2.4-GCCcore-12.3.0']);
    expect(spawnSync('bash', ['-n', '-c', script]).status).toBe(0);
    expect(script).toContain('/etc/profile.d/lmod.sh');
    expect(script).toContain('module load Apptainer/1.2.4-GCCcore-12.3.0 ||');
  });

  it('sources the first init file that exists and loads the module', () => {
    const r = run(`${moduleLines(['good'], [missing, fakeInit, emptyInit])}\necho "loaded=$FAKE_LOADED"`);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toBe('fake init sourced\nloaded=good\n');
  });

  it('tries $LMOD_PKG/init/bash first', () => {
    const pkg = join(dir, 'lmod');
    spawnSync('mkdir', ['-p', join(pkg, 'init')]);
    writeFileSync(join(pkg, 'init', 'bash'), 'module() { echo "lmod pkg: $*"; }\n');
    const r = run(moduleLines(['good'], [fakeInit]), { LMOD_PKG: pkg });
    expect(r).toMatchObject({ status: 0, stdout: 'lmod pkg: load good\n' });
  });

  it('keeps a `module` the job inherited and sources nothing', () => {
    const r = run(moduleLines(['good'], [fakeInit]), {
      'BASH_FUNC_module%%': '() { echo "inherited: $*"; }',
    });
    expect(r).toMatchObject({ status: 0, stdout: 'inherited: load good\n' });
  });

  it("fails at once on an unknown module, with the module system's own message", () => {
    const r = run(`${moduleLines(['good', 'no-such', 'never'], [fakeInit])}\necho "still running"`);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('fake init sourced\n');
    expect(r.stderr).toBe(
      'fake: The following module(s) are unknown: "no-such"\naifb: module load no-such failed (exit 1)\n',
    );
  });

  it('fails at once when no module system can be found, saying where it looked', () => {
    const host = spawnSync('hostname', { encoding: 'utf8' }).stdout.trim();
    const none = run(`${moduleLines(['a', 'b/1'], [missing])}\necho "still running"`);
    expect(none.status).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(
      `aifb: modules [a, b/1] asked but no module system found on ${host}: no module command, and none of $LMOD_PKG/init/bash, ${missing} exists\n`,
    );
    const empty = run(moduleLines(['a'], [emptyInit, fakeInit]));
    expect(empty.status).toBe(1);
    expect(empty.stderr).toBe(
      `aifb: modules [a] asked but no module system found on ${host}: no module command even after sourcing ${emptyInit}\n`,
    );
  });
});

describe('withModules', () => {
  it('puts the module lines after the #! and #SBATCH header, before the first command', () => {
    const script = '#!/usr/bin/env bash\n#SBATCH --job-name=x\n# comment\nset -u\necho hi';
    const lines = withModules(script, ['good'], [fakeInit]).split('\n');
    expect(lines.slice(0, 3)).toEqual(['#!/usr/bin/env bash', '#SBATCH --job-name=x', '# comment']);
    expect(lines[3]).toMatch(/^aifb_has_module\(\)/);
    expect(lines.slice(-2)).toEqual(['set -u', 'echo hi']);
    expect(withModules(script, [])).toBe(script);
    const r = run(withModules(script, ['good'], [fakeInit]));
    expect(r).toMatchObject({ status: 0, stdout: 'fake init sourced\nhi\n' });
  });
});
