/**
 * `{{name}}` templates of the http workload: compiled once, filled per request from seeded
 * variables (each client its own stream, so a run is reproducible and clients differ). Pure.
 */
import type { TemplateVariable } from '../../core/loadgen-protocol';
import type { Rng } from '../../core/random';

const SLOT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The `{{name}}` slots a template uses, in order of first use. */
export function templateSlots(text: string): string[] {
  return [...new Set([...text.matchAll(SLOT)].map((m) => m[1]!))];
}

/** Per request: each variable drawn once, so a name used twice gets the same value. */
export type Draw = Record<string, string | number>;

export function createDraw(
  variables: Record<string, TemplateVariable>,
  rng: Rng,
  /** Clients take interleaved sequence numbers (client i: i, i+n, i+2n...). */
  sequence: { start: number; step: number },
): () => Draw {
  let seq = sequence.start;
  return () => {
    const out: Draw = {};
    for (const [name, v] of Object.entries(variables)) out[name] = drawOne(v, rng, seq);
    seq += sequence.step;
    return out;
  };
}

function drawOne(v: TemplateVariable, rng: Rng, seq: number): string | number {
  switch (v.kind) {
    case 'int':
      return v.min + Math.floor(rng() * (v.max - v.min + 1));
    case 'choice':
      return v.values[Math.floor(rng() * v.values.length)]!;
    case 'sequence':
      return seq;
    case 'uuid':
      return uuidFrom(rng);
  }
}

/** A version-4-shaped UUID from the seeded stream (not crypto: reproducible on purpose). */
function uuidFrom(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Fills a template. `encode` turns a value into its text in this place: JSON for a JSON body
 * (a string slot inside quotes takes the escaped string, a bare slot the JSON value), URL
 * component encoding for a path.
 */
export function compileTemplate(
  text: string,
  encode: (value: string | number, quoted: boolean) => string,
): (draw: Draw) => string {
  const parts: (string | { name: string; quoted: boolean })[] = [];
  let last = 0;
  for (const m of text.matchAll(SLOT)) {
    const at = m.index!;
    const quoted = text[at - 1] === '"' && text[at + m[0].length] === '"';
    parts.push(text.slice(last, at), { name: m[1]!, quoted });
    last = at + m[0].length;
  }
  parts.push(text.slice(last));
  return (draw) => {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else {
        const value = draw[p.name];
        if (value === undefined) throw new Error(`template variable {{${p.name}}} is not defined`);
        out += encode(value, p.quoted);
      }
    }
    return out;
  };
}

/** JSON body: inside quotes the escaped string without its quotes; bare, the JSON value. */
export const jsonEncode = (value: string | number, quoted: boolean): string =>
  quoted ? JSON.stringify(String(value)).slice(1, -1) : JSON.stringify(value);

export const textEncode = (value: string | number): string => String(value);

export const pathEncode = (value: string | number): string => encodeURIComponent(String(value));
