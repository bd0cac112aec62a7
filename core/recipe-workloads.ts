/**
 * The recipe's per-kind workload settings: `workload.<block>` for every kind that is not an LLM
 * kind (those use `workload.dataset`). A block is required by its kind and refused by any other,
 * so a recipe never carries settings that would be silently ignored. Pure (bundled into workflows).
 */
import { z } from 'zod';
import type {
  CommandWorkloadSettings,
  Distribution,
  EmbeddingsWorkloadSettings,
  SqlWorkloadSettings,
  TemplateVariable,
  WorkloadKind,
} from './loadgen-protocol';
import { WORKLOAD_KINDS as KINDS, SQL_BUILTIN_CLASSES } from './loadgen-protocol';
import { count, ENV_NAME_RE, scriptString } from './recipe-primitives';
import { POSTGRES_DATABASE, POSTGRES_ROLE } from './service-kinds';

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

const embeddingsSettings = z.strictObject({
  /** Inputs per request: a count, or a distribution of counts. */
  batchSize: countDistribution(1, 2048, 'inputs per request').default({ mean: 1 }),
  /** Words per input (a distribution; the server's `usage` gives its token count). */
  inputTokens: countDistribution(1, 1_000_000, 'tokens per input').default({ mean: 128 }),
  encodingFormat: z.enum(['float', 'base64']).default('float'),
  dimensions: count(1, 65_536, 'dimensions').optional(),
});

/** Names aifb sets for a command client: the recipe cannot redefine them. */
const RESERVED_ENV = /^(?:SERVICE_URL|SERVICE_HOSTNAME|SERVICE_PORT|AIFB_[A-Z_]+)$/;

/** Job-folder names that are aifb's own (core/jobs.ts loadgenFiles): an upload may not take one. */
const AIFB_JOB_FILE =
  /^(?:loadgen\.mjs|aifb-loadgen|dataset\.jsonl|done|(?:stage|go|ready|stop|progress|result|requests|command-records)-.*)$/;

const commandSettings = z.strictObject({
  /**
   * Program and arguments, run without a shell in each client job, in the job's folder (so an
   * uploaded file is found by its name); the program is looked up on the job's PATH.
   */
  argv: z.array(scriptString).min(1).max(1000),
  /** Files on the worker's machine copied into every client job's folder under their own names. */
  upload: z
    .array(scriptString)
    .max(100)
    .default([])
    .superRefine((paths, ctx) => {
      const names = paths.map((p) => p.split('/').pop() ?? '');
      names.forEach((name, i) => {
        if (name === '' || name === '.' || name === '..')
          ctx.addIssue({ code: 'custom', path: [i], message: 'a file path, not a folder' });
        else if (AIFB_JOB_FILE.test(name))
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message: `${name} is a name aifb's client job uses itself: rename the file`,
          });
        else if (names.indexOf(name) !== i)
          ctx.addIssue({ code: 'custom', path: [i], message: `two uploads are named ${name}` });
      });
    }),
  env: z
    .record(
      z
        .string()
        .regex(ENV_NAME_RE, 'environment variable names are [A-Za-z_][A-Za-z0-9_]*')
        .refine(
          (name) => !RESERVED_ENV.test(name),
          'set by aifb for every command client (README "Bring your own client")',
        ),
      scriptString,
    )
    .default({}),
});

const CLASS_NAME_RE = /^[a-z][a-z0-9-]{0,39}$/;
const PLACEHOLDER_RE = /\$(\d+)/g;

const sqlStatement = z.strictObject({
  /** One statement; values only through `$1`, `$2`... placeholders, bound from `params`. */
  sql: z.string().min(1).max(100_000),
  /** The variable bound to each placeholder, `$1` first. */
  params: z.array(z.string().regex(VARIABLE_NAME_RE, 'a variable name')).max(100).default([]),
});

/** The placeholders a statement uses must be exactly $1..$n for its n params (else Postgres refuses it per call). */
function placeholderProblem(sql: string, params: number): string | null {
  const used = new Set([...sql.matchAll(PLACEHOLDER_RE)].map((m) => Number(m[1])));
  for (let i = 1; i <= params; i++) if (!used.has(i)) return `$${i} is never used (params has ${params})`;
  const beyond = [...used].filter((n) => n < 1 || n > params).sort((a, b) => a - b)[0];
  return beyond === undefined ? null : `$${beyond} has no entry in params (params has ${params})`;
}

const sqlSettings = z
  .strictObject({
    /** Rows of the seeded table `aifb_items`, loaded once per benchmark (0: no table). */
    rows: count(0, 100_000_000, 'rows').default(10_000),
    padBytes: count(0, 10_000, 'pad characters').default(100),
    rangeSize: count(1, 100_000, 'rows per range').default(100),
    /** Weight of each class: built-in (point-select, range, insert, update) or a transaction's name. */
    mix: z
      .record(
        z.string().regex(CLASS_NAME_RE, 'a class name: lowercase letters, digits and dashes'),
        z.number().min(0),
      )
      .default({ 'point-select': 70, range: 10, insert: 10, update: 10 }),
    variables: z
      .record(
        z.string().regex(VARIABLE_NAME_RE, 'variable names are [A-Za-z_][A-Za-z0-9_]*'),
        templateVariable,
      )
      .default({}),
    /** Your own classes: a list of statements each, run as one transaction. */
    transactions: z
      .record(
        z.string().regex(CLASS_NAME_RE, 'a class name: lowercase letters, digits and dashes'),
        z.array(sqlStatement).min(1).max(100),
      )
      .default({}),
    /** Open-loop stages without maxConcurrency: connections over all clients (default 8 per client). */
    connections: count(1, 100_000, 'connections').optional(),
  })
  .superRefine((s, ctx) => {
    const builtin = new Set<string>(SQL_BUILTIN_CLASSES);
    for (const name of Object.keys(s.transactions)) {
      if (builtin.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['transactions', name],
          message: `${name} is a built-in class: give your transaction another name`,
        });
      else if (!(name in s.mix))
        ctx.addIssue({
          code: 'custom',
          path: ['transactions', name],
          message: `${name} has no weight in workload.sql.mix (it would never run)`,
        });
      s.transactions[name]!.forEach((st, i) => {
        const problem = placeholderProblem(st.sql, st.params.length);
        if (problem)
          ctx.addIssue({ code: 'custom', path: ['transactions', name, i, 'sql'], message: problem });
        st.params.forEach((p, j) => {
          if (!(p in s.variables))
            ctx.addIssue({
              code: 'custom',
              path: ['transactions', name, i, 'params', j],
              message: `${p} is not one of workload.sql.variables`,
            });
        });
      });
    }
    for (const [name, weight] of Object.entries(s.mix)) {
      const isBuiltin = builtin.has(name);
      if (!isBuiltin && !(name in s.transactions))
        ctx.addIssue({
          code: 'custom',
          path: ['mix', name],
          message: `${name} is neither a built-in class (${SQL_BUILTIN_CLASSES.join(', ')}) nor one of workload.sql.transactions`,
        });
      if (isBuiltin && name !== 'insert' && weight > 0 && s.rows === 0)
        ctx.addIssue({
          code: 'custom',
          path: ['mix', name],
          message: `${name} reads the seeded table: rows must be > 0`,
        });
      if (name === 'range' && weight > 0 && s.rangeSize > s.rows)
        ctx.addIssue({ code: 'custom', path: ['rangeSize'], message: 'a range cannot be longer than rows' });
    }
    if (Object.values(s.mix).every((w) => w === 0))
      ctx.addIssue({ code: 'custom', path: ['mix'], message: 'at least one class needs a weight above 0' });
  });

/** The block each non-LLM kind reads; absent = an LLM kind (it reads `workload.dataset`). */
export const WORKLOAD_BLOCKS = {
  http: 'http',
  'openai-embeddings': 'embeddings',
  command: 'command',
  sql: 'sql',
} as const satisfies Partial<Record<WorkloadKind, string>>;

/** Spread into the workload schema: one optional block per kind that has settings. */
export const workloadSettings = {
  http: httpSettings.optional(),
  embeddings: embeddingsSettings.optional(),
  command: commandSettings.optional(),
  sql: sqlSettings.optional(),
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

/** A whole count in [min, max], or { mean, stdev?, min?, max? } of them. */
function countDistribution(min: number, max: number, what: string): z.ZodType<Distribution, unknown> {
  const value = count(min, max, what);
  const full = z
    .strictObject({
      mean: value,
      stdev: z.number().min(0).optional(),
      min: value.optional(),
      max: value.optional(),
    })
    .refine((d) => d.min === undefined || d.max === undefined || d.min <= d.max, 'min must be <= max');
  return z.union([value.transform((mean): Distribution => ({ mean })), full], {
    error: () =>
      `expected a whole number of ${what} in [${min}, ${max}], or { mean, stdev?, min?, max? } of them`,
  });
}

export function commandWorkloadSettings(c: z.output<typeof commandSettings>): CommandWorkloadSettings {
  return { kind: 'command', argv: c.argv, env: c.env };
}

/** Recipe embeddings block (parsed) → the loadgen's settings. */
export function embeddingsWorkloadSettings(
  e: z.output<typeof embeddingsSettings>,
): EmbeddingsWorkloadSettings {
  return {
    kind: 'openai-embeddings',
    batchSize: e.batchSize,
    inputTokens: e.inputTokens,
    encodingFormat: e.encodingFormat,
    ...(e.dimensions !== undefined ? { dimensions: e.dimensions } : {}),
  };
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

/** Open-loop connections per client when the recipe gives none. */
export const SQL_CONNECTIONS_PER_CLIENT = 8;

/** Recipe sql block (parsed) → the loadgen's settings (the password is added by the worker). */
export function sqlWorkloadSettings(s: z.output<typeof sqlSettings>, clients: number): SqlWorkloadSettings {
  return {
    kind: 'sql',
    user: POSTGRES_ROLE,
    database: POSTGRES_DATABASE,
    rows: s.rows,
    padBytes: s.padBytes,
    rangeSize: s.rangeSize,
    mix: s.mix,
    variables: s.variables,
    transactions: s.transactions,
    connections: s.connections ?? SQL_CONNECTIONS_PER_CLIENT * clients,
  };
}
