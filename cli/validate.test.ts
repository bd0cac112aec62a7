/** `aifb validate` treats unparseable recipe text as bad input: exit 2 with a readable reason. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALIAS_BOMB } from '../test/fixtures/hostile';

describe('aifb validate', () => {
  it('exits 2 on a YAML alias bomb, saying so', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aifb-bomb-')), 'bomb.yaml');
    writeFileSync(file, ALIAS_BOMB);
    const { main, EXIT } = await import('./main');
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args.join(' '));
    try {
      expect(await main(['node', 'aifb', 'validate', file])).toBe(EXIT.badInput);
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toMatch(/alias/i);
  });
});
