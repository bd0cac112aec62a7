import { describe, expect, it } from 'vitest';
import type { TemplateVariable } from '../../core/loadgen-protocol';
import { mulberry32 } from '../../core/random';
import { compileTemplate, createDraw, jsonEncode, pathEncode, templateSlots } from './template';

describe('http templates', () => {
  it('lists slots once, in order of first use', () => {
    expect(templateSlots('/a/{{ id }}/{{name}}?x={{id}}')).toEqual(['id', 'name']);
  });

  it('fills a JSON body: quoted slots get escaped strings, bare slots JSON values', () => {
    const fill = compileTemplate('{"q":"{{q}}","n":{{n}},"s":{{s}}}', jsonEncode);
    const body = fill({ q: 'say "hi"\n', n: 7, s: 'x' });
    expect(JSON.parse(body)).toEqual({ q: 'say "hi"\n', n: 7, s: 'x' });
  });

  it('URL-encodes path values so a value cannot add path segments', () => {
    const fill = compileTemplate('/items/{{id}}', pathEncode);
    expect(fill({ id: '../admin?x=1' })).toBe('/items/..%2Fadmin%3Fx%3D1');
  });

  it('throws on a slot with no value', () => {
    expect(() => compileTemplate('{{missing}}', pathEncode)({})).toThrow(/missing/);
  });

  it('draws reproducibly from the seed, in range, and interleaves sequences across clients', () => {
    const vars: Record<string, TemplateVariable> = {
      n: { kind: 'int', min: 3, max: 5 },
      c: { kind: 'choice', values: ['a', 'b'] },
      u: { kind: 'uuid' },
      s: { kind: 'sequence' },
    };
    const a = createDraw(vars, mulberry32(1), { start: 1, step: 4 });
    const b = createDraw(vars, mulberry32(1), { start: 1, step: 4 });
    const draws = Array.from({ length: 200 }, () => a());
    expect(draws).toEqual(Array.from({ length: 200 }, () => b()));
    expect(new Set(draws.map((d) => d.n))).toEqual(new Set([3, 4, 5]));
    expect(new Set(draws.map((d) => d.c))).toEqual(new Set(['a', 'b']));
    expect(draws.slice(0, 3).map((d) => d.s)).toEqual([1, 5, 9]);
    expect(String(draws[0]!.u)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
