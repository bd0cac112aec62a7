import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { insideDir, PathEscapeError } from './safe-path';

describe('insideDir', () => {
  const root = '/srv/data/results';

  it('joins names that stay inside the root', () => {
    expect(insideDir(root, 'bench-demo-ab12cd')).toBe(join(root, 'bench-demo-ab12cd'));
    expect(insideDir(root, 'bench-a', 'summary.json')).toBe(join(root, 'bench-a', 'summary.json'));
    expect(insideDir('rel/dir', 'x')).toBe(resolve('rel/dir', 'x'));
    // A name that merely starts with dots is still a name inside the root.
    expect(insideDir(root, '..hidden')).toBe(join(root, '..hidden'));
  });

  it('refuses the root itself, parents, absolute parts, nested escapes and NUL', () => {
    for (const parts of [
      ['.'],
      ['..'],
      [''],
      ['../secret'],
      ['a/../../b'],
      ['/etc/passwd'],
      ['a', '..', '..', 'x'],
      ['ok', '../../summary.json'],
      ['a\0b'],
    ]) {
      expect(() => insideDir(root, ...parts), parts.join('|')).toThrow(PathEscapeError);
    }
  });
});
