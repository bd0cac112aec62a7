/**
 * The recipe's per-kind workload settings: `workload.<block>` for every kind that is not an LLM
 * kind (those use `workload.dataset`). A block is required by its kind and refused by any other,
 * so a recipe never carries settings that would be silently ignored. Pure (bundled into workflows).
 */
import { z } from 'zod';
import type { TemplateVariable, WorkloadKind } from './loadgen-protocol';
import { WORKLOAD_KINDS as KINDS } from './loadgen-protocol';
import { scriptString } from './recipe-primitives';
import { vectorSettings } from './recipe-vector';

export const WORKLOAD_KINDS = KINDS;

const HEADER_NAME_RE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const VARIABLE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SLOT_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

const templateVariable: z.ZodType<TemplateVariable, unknown> = z.discriminatedUnion('kind', [
  z
    .strictObject({ kind: z.literal('int'), min: z.number().int(), max: z.number().int() })
    .refine((v) => v.min <= v.max, { message: 'min must be <= max', path: ['max'] }),
  z.strictObject({ kind: z.literal('choice'), values: z.array(z.string().max(4096)).min(1).max(10_000) }),
  z.strictObject({ kind: z.literal('uuid') }),
  z.strictObject({ kind: z.literal('sequence') }),
]);

/** Every `{{name}}` a template uses must be a declared variable (found now, not per request). */
function undeclaredSlots(text: string | undefined, variables: Record<string, unknown>): string[] {
  if (text === undefined) return [];
  return [...text.matchAll(SLOT_RE)].map((m) => m[1]!).filter((name) => !(name in variables));
}

const httpSettings = z
  .strictObject({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
    /** On the service's base URL; `{{name}}` slots take URL-encoded variable values. */
    path: z
      .string()
      .max(4096)
      .regex(/^\/[^\s#]*$/, 'a path starting with / (query allowed), no spaces or fragment')
      .default('/'),
    headers: z
      .record(z.string().regex(HEADER_NAME_RE, 'an HTTP header name'), scriptString)
      .refine((h) => Object.keys(h).length <= 64, 'at most 64 headers')
      .default({}),
    /** A string with `{{name}}` slots, or a JSON value (sent as JSON; slots inside its strings). */
    body: z.union([z.string().max(1_000_000), z.record(z.string(), z.unknown())]).optional(),
    variables: z
      .record(
        z.string().regex(VARIABLE_NAME_RE, 'variable names are [A-Za-z_][A-Za-z0-9_]*'),
        templateVariable,
      )
      .default({}),
    /** Statuses that count as success; default any 2xx. */
    expectStatus: z
      .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)])
      .optional(),
  })
  .superRefine((h, ctx) => {
    const bodyText =
      typeof h.body === 'string' ? h.body : h.body === undefined ? undefined : JSON.stringify(h.body);
    for (const [field, text] of [
      ['path', h.path],
      ['body', bodyText],
    ] as const) {
      for (const name of undeclaredSlots(text, h.variables))
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `{{${name}}} is not one of workload.http.variables`,
        });
    }
    if (h.body !== undefined && (h.method === 'GET' || h.method === 'HEAD'))
      ctx.addIssue({ code: 'custom', path: ['body'], message: `a ${h.method} request has no body` });
  });

/** The block each non-LLM kind reads; absent = an LLM kind (it reads `workload.dataset`). */
export const WORKLOAD_BLOCKS = {
  http: 'http',
  'vector-search': 'vector',
} as const satisfies Partial<Record<WorkloadKind, string>>;

/** Spread into the workload schema: one optional block per kind that has settings. */
export const workloadSettings = {
  http: httpSettings.optional(),
  vector: vectorSettings.optional(),
};

type Blocks = { [K in keyof typeof workloadSettings]?: unknown };

/** A kind's block must be there; another kind's block must not. */
export function workloadKindChecks(w: { kind: WorkloadKind } & Blocks, ctx: z.RefinementCtx): void {
  const wanted = (WORKLOAD_BLOCKS as Partial<Record<WorkloadKind, keyof Blocks>>)[w.kind];
  for (const block of Object.keys(workloadSettings) as (keyof Blocks)[]) {
    if (block !== wanted && w[block] !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: [block],
        message: `workload.${block} is for kind ${kindOf(block)}, not ${w.kind}`,
      });
  }
  if (wanted !== undefined && w[wanted] === undefined)
    ctx.addIssue({ code: 'custom', path: [wanted], message: `kind ${w.kind} needs workload.${wanted}` });
}

function kindOf(block: keyof Blocks): string {
  return Object.entries(WORKLOAD_BLOCKS).find(([, b]) => b === block)?.[0] ?? block;
}

/** Recipe http block (parsed) → the loadgen's settings. */
export function httpWorkloadSettings(h: z.output<typeof httpSettings>) {
  const json = h.body !== undefined && typeof h.body !== 'string';
  return {
    kind: 'http' as const,
    method: h.method,
    path: h.path,
    headers: h.headers,
    ...(h.body !== undefined ? { body: typeof h.body === 'string' ? h.body : JSON.stringify(h.body) } : {}),
    json,
    variables: h.variables,
    expectStatus:
      h.expectStatus === undefined ? null : Array.isArray(h.expectStatus) ? h.expectStatus : [h.expectStatus],
  };
}
