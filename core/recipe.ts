/**
 * The recipe: what to deploy, where, and how to load it. Validated by zod everywhere it
 * enters (CLI, API, and the workflow through a local activity: workflows/recipe-check.ts). Pure:
 * the workflow bundle still holds it, evaluated only when an old history replays. Functions
 * that read a parsed recipe live in core/recipe-read.ts, which the workflows import.
 */
import { z } from 'zod';
import { durationMs, MAX_DURATION_MS, MAX_DURATION_TEXT } from './duration';
import type { Distribution } from './loadgen-protocol';
import { count, ENV_NAME_RE, scriptString } from './recipe-primitives';
import { type RecipeIssue, recipeStageName, repetitionSuffix } from './recipe-read';
import { vectorServiceChecks, vectorWorkloadChecks } from './recipe-vector';
import { WORKLOAD_KINDS, workloadKindChecks, workloadSettings } from './recipe-workloads';
import { referencesSchema } from './references';

const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/;
const URL_PATH_RE = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$/;

/** extraBody is passed through as JSON; past this depth it is a mistake or an attack (Temporal's payloads refuse ~10,000). */
const MAX_EXTRA_BODY_DEPTH = 32;

/** Depth of a JSON value, counted no further than `limit + 1` (no recursion past it). */
function depthExceeds(value: unknown, limit: number): boolean {
  let level: unknown[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > limit) return true;
    const next: unknown[] = [];
    for (const v of level) if (v !== null && typeof v === 'object') next.push(...Object.values(v));
    level = next;
  }
  return false;
}

/** A non-negative distribution; a bare value means constant. Output: `Distribution` in ms or tokens. */
function distribution(value: z.ZodType<number, unknown>, unit: string): z.ZodType<Distribution, unknown> {
  const full = z.strictObject({
    mean: value,
    stdev: value.optional(),
    min: value.optional(),
    max: value.optional(),
  });
  return z
    .union([value.transform((mean): Distribution => ({ mean })), full], {
      error: (issue) => {
        if (issue.code !== 'invalid_union') return undefined;
        // A bare value out of range: say its own problem (e.g. the bound), not only the shapes.
        const bare = issue.errors[0]?.[0]?.message;
        const scalar = issue.input !== null && typeof issue.input !== 'object';
        return scalar && bare ? bare : `expected ${unit}, or { mean, stdev?, min?, max? } of them`;
      },
    })
    .refine(
      (d: Distribution) => d.min === undefined || d.max === undefined || d.min <= d.max,
      'min must be <= max',
    );
}

const tokenDistribution = distribution(
  z
    .number({ error: 'expected a number of tokens' })
    .min(0, 'at least 0 tokens')
    .max(1_000_000, 'at most 1000000 tokens'),
  'a number of tokens',
);
const msDistribution = distribution(durationMs, 'a duration such as 50ms');

const slurmTimeRe = /^(?:\d+-)?\d{1,2}(?::\d{2}){0,2}$/;
const resources = z.strictObject({
  nodes: z.number().int().min(1).max(1024).default(1),
  gpus: z.number().int().min(0).max(64).optional(),
  cpusPerTask: z.number().int().min(1).max(1024).optional(),
  memory: z
    .string()
    .regex(/^\d+[KMGT]?$/, 'memory like 16G or 512M')
    .optional(),
  time: z.string().regex(slurmTimeRe, 'Slurm time like 01:00:00 or 1-00:00:00').optional(),
});

/**
 * At most this many benchmarks run at once on the target (admission control, README "Admission
 * control"); more wait `queued`. Local: the worker's AIFB_MAX_RUNNING_LOCAL (default its cores)
 * when not given; Slurm: no limit when not given.
 */
const maxRunning = z.number().int().min(1, 'at least 1').max(100_000, 'at most 100000').optional();

const localTarget = z.strictObject({ executor: z.literal('local'), maxRunning });

/** Slurm names (account, partition, qos, modules) end up on sbatch command lines: a safe alphabet only. */
const slurmName = z
  .string()
  .regex(/^[A-Za-z0-9_.+-][A-Za-z0-9_.+/-]{0,127}$/, 'letters, digits and _ . + - / only');
const slurmPlacement = z.strictObject({
  account: slurmName.optional(),
  partition: slurmName.optional(),
  qos: slurmName.optional(),
});
const remotePath = scriptString.refine(
  (p) => p.startsWith('/') || p.startsWith('~/'),
  'an absolute path (or ~/...)',
);

const slurmTarget = z.strictObject({
  executor: z.literal('slurm'),
  maxRunning,
  slurm: z.strictObject({
    /** The login node, reached over SSH (ssh2); its host key must be in knownHosts. */
    host: z.string().regex(/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/, 'a host name or IP address'),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().regex(/^[a-z_][a-z0-9_.-]{0,63}$/, 'a Unix user name'),
    identityFile: remotePath,
    knownHosts: remotePath.default('~/.ssh/known_hosts'),
    account: slurmName.optional(),
    partition: slurmName.optional(),
    qos: slurmName.optional(),
    /**
     * The client jobs' own account, partition and qos (e.g. a CPU partition): load generators
     * need no GPU. Each one not given is the service's above.
     */
    clients: slurmPlacement.optional(),
    /** Where job folders go on the cluster's shared filesystem. */
    workdir: remotePath,
    /**
     * How loadgen and the simulator run on compute nodes: `sea` uploads single executables (no
     * Node install needed); `node` uploads the bundles and runs them with `node` below.
     */
    runtime: z.enum(['sea', 'node']).default('sea'),
    /** `module load` lines before the job runs (e.g. the site's Node.js or Apptainer). */
    modules: z.array(slurmName).default([]),
    /** The Node.js 20+ that runs loadgen and the simulator on compute nodes (runtime `node`). */
    node: scriptString.default('node'),
    /** A job pending longer than this is cancelled with Slurm's reason. */
    maxPending: durationMs.default(30 * 60_000),
    /**
     * SSH sessions (commands, the SFTP session) open at once on the worker's one connection to
     * this login: at or below the server's MaxSessions (OpenSSH default 10). More wait in order.
     */
    maxSessions: z.number().int().min(1).max(1000).default(8),
  }),
});

export const target = z.discriminatedUnion('executor', [localTarget, slurmTarget], {
  error: (issue) => (issue.code === 'invalid_union' ? 'executor must be "local" or "slurm"' : undefined),
});

const health = z.strictObject({
  /** The readiness URL path; each kind has its own default (services/kinds.ts). */
  path: z.string().regex(URL_PATH_RE, 'an absolute URL path like /health').optional(),
  timeout: durationMs.default(120_000),
  interval: durationMs.default(1000),
  /**
   * Ready means answering a real 1-token completion, not only an open port. On by default for
   * the LLM kinds; off for `command` (any HTTP service) unless asked.
   */
  completion: z.boolean().optional(),
});
const healthDefault = { timeout: 120_000, interval: 1000 };

const simulatorSettings = z.strictObject({
  ttft: msDistribution.default({ mean: 50 }),
  itl: msDistribution.default({ mean: 10 }),
  outputTokens: tokenDistribution.default({ mean: 128 }),
  tokensPerChunk: count(1, 1000, 'tokens per chunk').default(1),
  maxConcurrency: count(1, 1_000_000, 'requests in flight').optional(),
  seed: z.number().int().default(1),
  /** Length of the vectors `/v1/embeddings` answers with (default 384). */
  embeddingDimension: count(1, 65_536, 'dimensions').optional(),
});

/** `auto` (the default): the job picks a free port on its node and announces it. */
const port = z
  .union([z.literal('auto'), z.number().int().min(1).max(65535)], {
    error: 'port must be "auto" or a number 1-65535',
  })
  .default('auto');

const envVars = z
  .record(
    z.string().regex(ENV_NAME_RE, 'environment variable names are [A-Za-z_][A-Za-z0-9_]*'),
    scriptString,
  )
  .default({});

const serviceCommon = {
  env: envVars,
  resources: resources.default({ nodes: 1 }),
  health: health.default(healthDefault),
};

/** Apptainer images: pulled once into the cluster's image cache, or a .sif already there. */
const IMAGE_RE = /^(?:docker|oras|library):\/\/[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,300}$/;
const image = scriptString.refine(
  (s) => IMAGE_RE.test(s) || ((s.startsWith('/') || s.startsWith('~/')) && s.endsWith('.sif')),
  'docker://REPO:TAG (or oras://, library://), or the absolute path of a .sif file',
);
const BIND_RE = /^(?:\/|~\/)[A-Za-z0-9._/+~-]*(?::\/[A-Za-z0-9._/+-]*)?(?::(?:ro|rw))?$/;
const bind = z
  .string()
  .regex(BIND_RE, 'SRC[:DST[:ro|rw]] with absolute paths (letters, digits and . _ - + / ~ only)');

/** What every server the job launches shares: its port, arguments, container and caches. */
const launched = {
  port,
  /** Passed through to the server after the arguments aifb sets. */
  args: z.array(scriptString).default([]),
  /** Runs the server under `apptainer exec` (with --nv when GPUs are asked). */
  image: image.optional(),
  /** Apptainer bind mounts (only with `image`). */
  binds: z.array(bind).default([]),
  /** The Hugging Face cache: HF_HOME is set to it, and bound into the container at the same path. */
  hfHome: scriptString.refine((p) => p.startsWith('/'), 'an absolute path').optional(),
  ...serviceCommon,
};
/** The server program; a name found on PATH (or in the image), or an absolute path. */
const binary = (name: string) => scriptString.default(name);

const simulatorService = z.strictObject({
  kind: z.literal('simulator'),
  model: scriptString.optional(),
  /** `auto` or 0: the simulator picks a free port and reports it (lets benchmarks share a machine). */
  port: z
    .union([z.literal('auto'), z.number().int().min(0).max(65535)], {
      error: 'port must be "auto" or a number 0-65535',
    })
    .default('auto'),
  simulator: simulatorSettings.default({
    ttft: { mean: 50 },
    itl: { mean: 10 },
    outputTokens: { mean: 128 },
    tokensPerChunk: 1,
    seed: 1,
  }),
  ...serviceCommon,
});

const commandService = z.strictObject({
  kind: z.literal('command'),
  model: scriptString.optional(),
  /** argv of the service; `{port}` in an argument is replaced by the port. Never passed through a shell. */
  command: z.array(scriptString).min(1),
  ...launched,
  args: z.array(scriptString).max(0, 'put every argument in `command`').default([]),
});

/** vLLM's OpenAI server: `vllm serve MODEL`, tensor parallel over the GPUs asked. */
const vllmService = z.strictObject({
  kind: z.literal('vllm'),
  /** A Hugging Face model id or a path the node can read. */
  model: scriptString,
  binary: binary('vllm'),
  ...launched,
});

/** llama.cpp's llama-server, with --metrics and --slots. */
const llamacppService = z.strictObject({
  kind: z.literal('llamacpp'),
  /** The GGUF file, as the node (or the container) sees it. */
  model: scriptString,
  binary: binary('llama-server'),
  ...launched,
});

/** `ollama serve`; the model must already be in its store (OLLAMA_MODELS): nothing is pulled. */
const ollamaService = z.strictObject({
  kind: z.literal('ollama'),
  model: scriptString,
  binary: binary('ollama'),
  ...launched,
});

/** A PostgreSQL setting name for `-c name=value` (e.g. shared_buffers, max_connections). */
const PG_SETTING_RE = /^[a-z_][a-z0-9_.]{0,62}$/;

/**
 * A PostgreSQL server made fresh in the job's folder (`initdb`, then `postgres`), for the `sql`
 * workload. Ready when a real `SELECT 1` answers over the wire protocol; clients log in with a
 * password the job makes (host connections need it; see slurm-scripts/postgres.sh).
 */
const postgresService = z.strictObject({
  kind: z.literal('postgres'),
  /**
   * The folder holding `initdb` and `postgres` (e.g. a module's bin/); default: where `postgres`
   * is on PATH, else `pg_config --bindir`, else the newest /usr/lib/postgresql/<v>/bin.
   */
  binDir: scriptString.refine((p) => p.startsWith('/') || p.startsWith('~/'), 'an absolute path').optional(),
  /** Server settings, each passed as `-c name=value` (e.g. { max_connections: 200, shared_buffers: 1GB }). */
  settings: z
    .record(
      z.string().regex(PG_SETTING_RE, 'a PostgreSQL setting name'),
      z.union([scriptString, z.number(), z.boolean()]).transform(String),
    )
    .default({}),
  port: launched.port,
  args: launched.args,
  image: launched.image,
  binds: launched.binds,
  ...serviceCommon,
});

/** Chroma's server (`chroma run` of PyPI chromadb), its data in the job's folder. */
const chromaService = z.strictObject({
  kind: z.literal('chroma'),
  binary: binary('chroma'),
  ...launched,
});

/**
 * Qdrant's server, configured by environment: HTTP on the job's port, gRPC on the next one,
 * storage and snapshots in the job's folder.
 */
const qdrantService = z.strictObject({
  kind: z.literal('qdrant'),
  binary: binary('qdrant'),
  ...launched,
});

/** An endpoint that is already running (a production deployment): no job, nothing torn down. */
const externalService = z.strictObject({
  kind: z.literal('external'),
  /** Base URL of the OpenAI-compatible API, e.g. https://llm.example.org (a /v1 suffix is fine). */
  url: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }),
  model: scriptString,
  /** Where its Prometheus metrics are, if it exports any (e.g. /metrics for vLLM). */
  metricsPath: z.string().regex(URL_PATH_RE, 'an absolute URL path like /metrics').optional(),
  health: health.default(healthDefault),
});

export const SERVICE_KINDS = [
  'simulator',
  'command',
  'vllm',
  'llamacpp',
  'ollama',
  'postgres',
  'chroma',
  'qdrant',
  'external',
] as const;

export const service = z
  .discriminatedUnion(
    'kind',
    [
      simulatorService,
      commandService,
      vllmService,
      llamacppService,
      ollamaService,
      postgresService,
      chromaService,
      qdrantService,
      externalService,
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union' ? `kind must be one of: ${SERVICE_KINDS.join(', ')}` : undefined,
    },
  )
  .superRefine((s, ctx) => {
    if (s.kind === 'postgres')
      for (const field of ['path', 'completion'] as const)
        if (s.health[field] !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['health', field],
            message: 'postgres readiness is a SELECT 1 over its own protocol: no HTTP path or completion',
          });
    if ('binds' in s && s.binds.length > 0 && !s.image) {
      ctx.addIssue({
        code: 'custom',
        path: ['binds'],
        message: 'binds need an image (they are Apptainer binds)',
      });
    }
  });

/** A service a recipe deploys itself (what a deployment recipe runs too). */
export type Service = z.output<typeof service>;

/**
 * Or a running deployment (core/deployment.ts) by name: `{ deployment: NAME }`. Its kind may be
 * left out, so a service without a kind lands here and says both ways to write it.
 */
const kinds = () => SERVICE_KINDS.join(', ');
const deploymentRef = z.strictObject({
  kind: z.literal('deployment').default('deployment'),
  deployment: z
    .string({ error: () => `give kind (one of: ${kinds()}) or name a running deployment (deployment: NAME)` })
    .regex(NAME_RE, 'a deployment name: lowercase letters, digits and dashes'),
});
const serviceOrDeployment = z.discriminatedUnion('kind', [service, deploymentRef], {
  error: (issue) =>
    issue.code === 'invalid_union' ? `kind must be one of: ${kinds()} (or deployment: NAME)` : undefined,
});

const stageCommon = {
  name: z.string().regex(NAME_RE, 'lowercase letters, digits and dashes').optional(),
  /**
   * End the stage early when queueing grows without bound (core/oversaturation.ts); the verdict
   * is in its summary and the stage is invalid. Sweeps and capacity searches default to true.
   */
  stopWhenOversaturated: z.boolean().default(false),
  /** The measured window; with `maxRequests` the stage ends at whichever comes first. */
  duration: durationMs.refine((ms) => ms >= 1000, 'at least 1s').optional(),
  warmup: durationMs.default(0),
  cooldown: durationMs.default(10_000),
  /** Requests the whole stage sends (warm-up included), split exactly over the clients. */
  maxRequests: count(1, 1_000_000_000, 'requests').optional(),
};
const inFlight = count(1, 100_000, 'requests in flight');
/** Below 0.01 req/s a client's gap between sends (up to clients.count × 100 s) nears the timer limit. */
const rate = z
  .number({ error: 'expected requests per second' })
  .min(0.01, 'at least 0.01 requests per second')
  .max(1_000_000, 'at most 1000000 requests per second');

/** A latency SLO at percentiles of the stage's merged histogram, e.g. `{ p99: 500ms }`. */
const percentileSlo = z
  .strictObject({
    mean: durationMs.optional(),
    p50: durationMs.optional(),
    p90: durationMs.optional(),
    p95: durationMs.optional(),
    p99: durationMs.optional(),
    p999: durationMs.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'give at least one of mean, p50 ... p999');

/** What a capacity search holds every probe to: each threshold at its percentile. */
const searchSlo = z
  .strictObject({
    ttft: percentileSlo.optional(),
    tpot: percentileSlo.optional(),
    itl: percentileSlo.optional(),
    itlPerToken: percentileSlo.optional(),
    e2e: percentileSlo.optional(),
  })
  .refine(
    (s) => Object.values(s).some((v) => v !== undefined),
    'give at least one SLO, e.g. ttft: { p99: 500ms }',
  );

const arrivals = z.enum(['constant', 'poisson']).default('constant');
/** Generated stages end early when queueing grows without bound (core/oversaturation.ts). */
const stopWhenOversaturated = (byDefault: boolean) => z.boolean().default(byDefault);

/** A ramp's end rate: 0 allowed (a ramp may start from, or fall to, nothing). */
const rampRate = z
  .number({ error: 'expected requests per second' })
  .min(0, 'at least 0 requests per second')
  .max(1_000_000, 'at most 1000000 requests per second');

export const STAGE_MODES = [
  'synchronous',
  'concurrency',
  'throughput',
  'constant',
  'poisson',
  'gamma',
  'bursts',
  'ramp',
  'trace',
  'sweep',
  'capacity-search',
] as const;

const stage = z
  .discriminatedUnion(
    'mode',
    [
      /** One request at a time (client 0 sends; other clients idle). */
      z.strictObject({ mode: z.literal('synchronous'), ...stageCommon }),
      /** Closed loop: this many requests in flight. */
      z.strictObject({ mode: z.literal('concurrency'), concurrency: inFlight, ...stageCommon }),
      /** Everything at once, up to maxConcurrency in flight. */
      z.strictObject({ mode: z.literal('throughput'), maxConcurrency: inFlight, ...stageCommon }),
      /** Open loop at `rate` req/s: evenly spaced, or Poisson arrivals; optional in-flight cap. */
      z.strictObject({
        mode: z.literal('constant'),
        rate,
        maxConcurrency: inFlight.optional(),
        ...stageCommon,
      }),
      z.strictObject({
        mode: z.literal('poisson'),
        rate,
        maxConcurrency: inFlight.optional(),
        ...stageCommon,
      }),
      /**
       * Several stages on the same deployment (core/stage-plan.ts): `steps` open-loop rates
       * between the synchronous rate and the saturated throughput, both measured first (as
       * GuideLLM's sweep); or each of `rates`, or each of `concurrencies`. The bounds apply to
       * each stage it makes.
       */
      z.strictObject({
        mode: z.literal('sweep'),
        steps: count(1, 100, 'rates').optional(),
        spacing: z.enum(['linear', 'geometric']).default('linear'),
        rates: z.array(rate).min(1).max(100).optional(),
        concurrencies: z.array(inFlight).min(1).max(100).optional(),
        arrivals,
        /** The in-flight cap of the saturated-throughput stage (`steps`). */
        maxConcurrency: inFlight.default(256),
        ...stageCommon,
        stopWhenOversaturated: stopWhenOversaturated(true),
      }),
      /**
       * The highest open-loop rate (or concurrency) at which every `slo` holds and the stage is
       * valid: probes grow from `start` by `growth` until one fails, then bisect until the
       * bracket is within `tolerance`. Each probe is a stage (core/capacity-search.ts).
       */
      z.strictObject({
        mode: z.literal('capacity-search'),
        slo: searchSlo,
        vary: z.enum(['rate', 'concurrency']).default('rate'),
        arrivals,
        start: z.number().positive().max(1_000_000).default(1),
        growth: z.number().gt(1, 'growth must be > 1').max(100).default(2),
        /** Bisection ends when (lowest failed − highest passed) / highest passed ≤ this. */
        tolerance: z.number().gt(0).max(1).default(0.05),
        /** No probe above this (req/s or in flight): the search reports it as reached. */
        max: z.number().positive().max(1_000_000).optional(),
        maxProbes: count(2, 100, 'probes').default(20),
        /** Rate probes: an in-flight cap for each (the wait shows as schedule lag). */
        maxConcurrency: inFlight.optional(),
        ...stageCommon,
        stopWhenOversaturated: stopWhenOversaturated(true),
      }),
      /** Open loop, gamma gaps of mean 1/rate; burstiness is the shape (vLLM bench's): 1 = Poisson. */
      z.strictObject({
        mode: z.literal('gamma'),
        rate,
        burstiness: z
          .number({ error: 'expected a number > 0 (1 = Poisson, below 1 burstier, above 1 more even)' })
          .gt(0, 'burstiness must be > 0 (1 = Poisson, below 1 burstier, above 1 more even)')
          .max(1000, 'at most 1000 (already all but constant)'),
        maxConcurrency: inFlight.optional(),
        ...stageCommon,
      }),
      /** Open loop: `burstSize` requests at once, `every` period. */
      z.strictObject({
        mode: z.literal('bursts'),
        burstSize: count(1, 1_000_000, 'requests per burst'),
        every: durationMs.refine((ms) => ms >= 1, 'at least 1ms'),
        maxConcurrency: inFlight.optional(),
        ...stageCommon,
      }),
      /** Open loop, evenly spaced at a rate going linearly from `from` to `to` over warm-up + duration. */
      z.strictObject({
        mode: z.literal('ramp'),
        from: rampRate,
        to: rampRate,
        maxConcurrency: inFlight.optional(),
        ...stageCommon,
      }),
      /** Open loop at the times of `workload.dataset.trace`, `speed` times faster. */
      z.strictObject({
        mode: z.literal('trace'),
        speed: z
          .number({ error: 'expected a speed factor such as 2 (twice as fast)' })
          .gt(0, 'speed must be > 0')
          .max(1000, 'at most 1000 times faster')
          .default(1),
        maxConcurrency: inFlight.optional(),
        ...stageCommon,
      }),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union' ? `mode must be one of: ${STAGE_MODES.join(', ')}` : undefined,
    },
  )
  .refine((s) => s.duration !== undefined || s.maxRequests !== undefined, {
    message: 'a stage needs a duration, maxRequests, or both',
    path: ['duration'],
  })
  .refine((s) => s.mode !== 'ramp' || s.duration !== undefined, {
    message: 'a ramp needs a duration (its rate rises over warm-up + duration)',
    path: ['duration'],
  })
  // The worker stops clients that overrun warm-up + duration: a trace's length is the file's.
  .refine((s) => s.mode !== 'trace' || s.duration !== undefined, {
    message: 'a trace stage needs a duration (it ends with the trace; the duration bounds it)',
    path: ['duration'],
  })
  .refine((s) => s.mode !== 'ramp' || s.from + s.to > 0, {
    message: 'from and to cannot both be 0',
    path: ['to'],
  })
  // The load generator sets one timer for the whole stage (runner.ts): it must fit too.
  .refine((s) => s.warmup + (s.duration ?? 0) + s.cooldown <= MAX_DURATION_MS, {
    message: `warmup + duration + cooldown must be ${MAX_DURATION_TEXT}`,
    path: ['duration'],
  });

const slo = z.strictObject({
  ttft: durationMs.optional(),
  tpot: durationMs.optional(),
  itl: durationMs.optional(),
  e2e: durationMs.optional(),
});

/** When a stage counts (core/validity.ts): a stage that breaks one of these is INVALID. */
const validity = z.strictObject({
  /** Failed requests allowed, % of those sent in the measured window. */
  maxErrorPct: z.number().min(0).max(100).default(0),
  /** Open loop: sends may differ from what the seeded schedule asked by at most this %. */
  rateTolerancePct: z.number().min(0).max(100).default(1),
  /** A client whose event loop was busier than this (0-1] was saturated. */
  maxEventLoopUtilization: z.number().gt(0).max(1).default(0.9),
  /** Open loop: a client whose p99 schedule lag exceeded this was saturated. */
  maxScheduleLagP99: durationMs.default(20),
});

/** The over-saturation detector's settings (core/oversaturation.ts OVERSATURATION_DEFAULTS). */
const oversaturation = z.strictObject({
  minDuration: durationMs.default(10_000),
  window: durationMs.refine((ms) => ms >= 5000, 'at least 5s').default(60_000),
  confidence: z.number().min(0.5).lt(1).default(0.999),
  minGrowth: z.number().positive().max(100).default(0.5),
});

/** `repeat: N`, or `{ count: N, fresh: true }` for a fresh deployment each time. */
const repeat = z
  .union(
    [
      count(1, 100, 'repetitions').transform((n) => ({ count: n, fresh: false })),
      z.strictObject({ count: count(1, 100, 'repetitions'), fresh: z.boolean().default(false) }),
    ],
    { error: 'repeat must be a number of repetitions or { count, fresh }' },
  )
  .default({ count: 1, fresh: false });

const synthetic = z.strictObject({
  inputTokens: tokenDistribution.default({ mean: 128 }),
  outputTokens: tokenDistribution.default({ mean: 128 }),
});

const datasetFile = z.strictObject({
  /** A JSONL file on the worker's machine (absolute, or relative to its working directory). */
  path: scriptString,
  format: z.enum(['prompts', 'sharegpt']).default('prompts'),
  /** Overrides the lengths the file gives. */
  outputTokens: tokenDistribution.optional(),
});

/** A request trace (core/trace.ts): its lengths give the prompts, its times mode `trace`'s sends. */
const datasetTrace = z.strictObject({
  /** A JSONL file on the worker's machine (absolute, or relative to its working directory). */
  path: scriptString,
  format: z.literal('mooncake', { error: 'format must be "mooncake"' }).default('mooncake'),
  /** Tokens (words) per hash block: Mooncake's traces use 512. */
  blockSize: count(1, 1_000_000, 'tokens per block').default(512),
});

/** Multi-turn chat: each request is a turn that carries the conversation so far. */
const sessions = z.strictObject({
  turns: count(1, 1000, 'turns'),
  /** Wait after a reply before the next turn (a user reading and typing). */
  thinkTime: msDistribution.optional(),
});

/** `groups` system prompts of `tokens` words (as the synthetic prompts count them) to share. */
const sharedPrefix = z.strictObject({
  groups: count(1, 100_000, 'groups'),
  tokens: count(1, 1_000_000, 'tokens'),
});

/** Synthetic prompts (the default), a prompt file or a trace; never two of them. */
const dataset = z
  .strictObject({
    synthetic: synthetic.optional(),
    file: datasetFile.optional(),
    trace: datasetTrace.optional(),
    sessions: sessions.optional(),
    sharedPrefix: sharedPrefix.optional(),
    seed: z.number().int().default(1),
    /** Ask for exactly max_tokens (min_tokens + ignore_eos); false for servers that reject them. */
    exactOutputLength: z.boolean().default(true),
  })
  .superRefine((d, ctx) => {
    const given = (['synthetic', 'file', 'trace'] as const).filter((k) => d[k] !== undefined);
    if (given.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [given[1]!],
        message: `give one of synthetic, file, trace, not ${given.join(' and ')}`,
      });
    if (d.trace && d.sessions)
      ctx.addIssue({
        code: 'custom',
        path: ['sessions'],
        message: 'a trace gives single requests: no sessions with a trace',
      });
    if (d.trace && d.sharedPrefix)
      ctx.addIssue({
        code: 'custom',
        path: ['sharedPrefix'],
        message: 'a trace gives its shared prefixes itself (hash_ids): no sharedPrefix with a trace',
      });
  })
  .transform((d) =>
    d.file || d.trace
      ? d
      : { ...d, synthetic: d.synthetic ?? { inputTokens: { mean: 128 }, outputTokens: { mean: 128 } } },
  );

const workload = z
  .strictObject({
    kind: z.enum(WORKLOAD_KINDS),
    ...workloadSettings,
    // zod returns a default as it is (no transform): it must be the complete dataset.
    dataset: dataset.default({
      synthetic: { inputTokens: { mean: 128 }, outputTokens: { mean: 128 } },
      seed: 1,
      exactOutputLength: true,
    }),
    clients: z
      .strictObject({
        count: count(1, 1024, 'clients').default(1),
        resources: resources.optional(),
        /**
         * Keep each client's event loop turning instead of sleeping between socket reads, so a
         * chunk is timestamped without the wake-up delay (bench:loadgen part c). Costs one core
         * per client process: give the clients that core in `resources`.
         */
        busyPoll: z.boolean().default(false),
      })
      .default({ count: 1, busyPoll: false }),
    stages: z.array(stage).min(1).max(100),
    slo: slo.optional(),
    requestTimeout: durationMs.refine((ms) => ms >= 100, 'at least 100ms').default(60_000),
    temperature: z.number().min(0).max(2).optional(),
    extraBody: z
      .record(z.string(), z.unknown())
      .refine(
        (body) => !depthExceeds(body, MAX_EXTRA_BODY_DEPTH),
        `must nest at most ${MAX_EXTRA_BODY_DEPTH} levels deep`,
      )
      .optional(),
    /** Name of the environment variable holding the API key (sent as a bearer token); never the key. */
    apiKeyEnv: z.string().regex(ENV_NAME_RE, 'an environment variable name like OPENAI_API_KEY').optional(),
    /** Also write requests.jsonl: one record per request. */
    recordRequests: z.boolean().default(false),
    /**
     * false: keep the server from answering prompts from its prefix cache (llama.cpp gets
     * `cache_prompt: false`, other servers a unique prefix on every prompt). true: the server
     * caches as it normally would.
     */
    promptCache: z.boolean().default(true),
    // zod returns a default as it is: the schema's own defaults, parsed once.
    validity: validity.default(validity.parse({})),
    oversaturation: oversaturation.default(oversaturation.parse({})),
    /** Run the stages this many times and report each figure's mean with a 95% interval. */
    repeat,
  })
  .superRefine((w, ctx) => {
    workloadKindChecks(w, ctx);
    vectorWorkloadChecks(w, ctx);
    llmTrafficChecks(w, ctx);
    const clients = w.clients.count;
    w.stages.forEach((s, i) => {
      // Each client takes an exact share; a share of 0 would leave a client idle (synchronous
      // is the exception: one request at a time is client 0's job by definition).
      const limits: [string, number | undefined][] = [
        ['concurrency', 'concurrency' in s ? s.concurrency : undefined],
        ['maxConcurrency', 'maxConcurrency' in s ? s.maxConcurrency : undefined],
        // A sweep's synchronous stage sends one at a time whatever its bounds say.
        ['maxRequests', s.mode === 'synchronous' || s.mode === 'sweep' ? undefined : s.maxRequests],
        ...(s.mode === 'sweep'
          ? (s.concurrencies ?? []).map((c, k): [string, number] => [`concurrencies.${k}`, c])
          : []),
        ['start', s.mode === 'capacity-search' && s.vary === 'concurrency' ? s.start : undefined],
      ];
      for (const [field, value] of limits) {
        if (value !== undefined && value < clients) {
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, ...field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p))],
            message: `${field} ${value} is less than clients.count ${clients}: some clients would send nothing`,
          });
        }
      }
      if (s.mode === 'sweep') {
        const given = (['steps', 'rates', 'concurrencies'] as const).filter((k) => s[k] !== undefined);
        if (given.length !== 1) {
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, given[1] ?? 'steps'],
            message: 'a sweep takes exactly one of steps, rates or concurrencies',
          });
        }
      }
      if (s.mode === 'capacity-search') {
        if (s.vary === 'concurrency' && !Number.isInteger(s.start)) {
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, 'start'],
            message: 'a concurrency search starts at a whole number of requests in flight',
          });
        }
        if (s.vary === 'concurrency' && s.maxConcurrency !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, 'maxConcurrency'],
            message: 'a concurrency search varies the requests in flight itself: no maxConcurrency',
          });
        }
        if (s.max !== undefined && s.max < s.start) {
          ctx.addIssue({ code: 'custom', path: ['stages', i, 'max'], message: 'max must be >= start' });
        }
      }
    });
    if (w.sql?.connections !== undefined && w.sql.connections < clients)
      ctx.addIssue({
        code: 'custom',
        path: ['sql', 'connections'],
        message: `connections ${w.sql.connections} is less than clients.count ${clients}: some clients would have none`,
      });
    // Every name a stage may take, generated ones included (core/stage-plan.ts): unique, so
    // files, metrics labels and comparisons never mix two stages up.
    const seen = new Map<string, number>();
    w.stages.forEach((s, i) => {
      for (const n of possibleStageNames(s, i, w.repeat.count)) {
        const first = seen.get(n);
        if (first === undefined) seen.set(n, i);
        else if (first !== i) {
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, 'name'],
            message: `duplicate stage name "${n}"${n === (s.name ?? `stage-${i}`) ? '' : ` (a name this ${s.mode} makes)`}`,
          });
          break;
        }
      }
    });
    // Keep a run's history far from Temporal's limits (MAX_RUN_STAGES).
    const total = w.stages.reduce((a, s) => a + stagesMadeAtMost(s), 0) * w.repeat.count;
    if (total > MAX_RUN_STAGES) {
      ctx.addIssue({
        code: 'custom',
        path: ['stages'],
        message: `the stages (with sweeps, probes and repetitions) could make ${total} stages; at most ${MAX_RUN_STAGES}`,
      });
    }
  });

/**
 * At most this many stages in one run, every sweep, probe and repetition counted: a stage is
 * ~70 workflow history events, so a run stays under Temporal's 10,240-event warning.
 */
export const MAX_RUN_STAGES = 140;

/** How many stages a recipe stage can make: 1; a sweep's; a search's probes at most. */
function stagesMadeAtMost(s: z.output<typeof stage>): number {
  if (s.mode === 'sweep')
    return s.steps !== undefined ? s.steps + 2 : (s.rates ?? s.concurrencies ?? []).length;
  if (s.mode === 'capacity-search') return s.maxProbes;
  return 1;
}

/** Every name the recipe's stage `index` can give its stages (core/stage-plan.ts names them). */
function possibleStageNames(s: z.output<typeof stage>, index: number, repetitions: number): string[] {
  const base = recipeStageName(s, index);
  const own =
    s.mode === 'sweep' || s.mode === 'capacity-search'
      ? [
          ...(s.mode === 'sweep' && s.steps !== undefined ? [`${base}-sync`, `${base}-max`] : []),
          ...Array.from(
            { length: stagesMadeAtMost(s) - (s.mode === 'sweep' && s.steps !== undefined ? 2 : 0) },
            (_, k) => `${base}-${k + 1}`,
          ),
        ]
      : [base];
  return Array.from({ length: repetitions }, (_, r) =>
    own.map((n) => `${n}${repetitionSuffix(r + 1, repetitions)}`),
  ).flat();
}

/** What the realistic-traffic settings need of the rest of the workload. */
function llmTrafficChecks(
  w: {
    kind: string;
    dataset: z.output<typeof dataset>;
    promptCache: boolean;
    stages: { mode: string }[];
  },
  ctx: z.RefinementCtx,
): void {
  const { dataset: d } = w;
  if (d.sessions && w.kind !== 'openai-chat')
    ctx.addIssue({
      code: 'custom',
      path: ['dataset', 'sessions'],
      message: `sessions carry chat messages: they need kind openai-chat, not ${w.kind}`,
    });
  // Shared prefixes are there to be cached: keeping the cache out would measure nothing.
  if (d.sharedPrefix && !w.promptCache)
    ctx.addIssue({
      code: 'custom',
      path: ['promptCache'],
      message: 'sharedPrefix measures prefix caching: promptCache: false would defeat it (drop one of them)',
    });
  w.stages.forEach((s, i) => {
    if (s.mode === 'trace' && !d.trace)
      ctx.addIssue({
        code: 'custom',
        path: ['stages', i, 'mode'],
        message: 'mode trace replays workload.dataset.trace, which is not given',
      });
  });
}

export const recipeName = z
  .string()
  .regex(NAME_RE, 'lowercase letters, digits and dashes, 1-50 characters, no leading/trailing dash');

export const recipeSchema = z
  .strictObject({
    name: recipeName,
    description: z.string().max(2000).optional(),
    target: target.default({ executor: 'local' }),
    service: serviceOrDeployment,
    workload,
    telemetry: z
      .strictObject({
        /**
         * Set when the compute nodes can reach Pushgateway: clients push their live metrics there
         * themselves instead of through the worker's relay.
         */
        directPushUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL of a Pushgateway' }).optional(),
        /**
         * Set when the compute nodes can reach Loki: a shipper inside each job pushes the job's own
         * stdout/stderr there; the worker's relay ships only what it could not (loadgen/log-ship.ts).
         */
        directLokiUrl: z.url({ protocol: /^https?$/, error: 'an http(s) URL of Loki' }).optional(),
      })
      .default({}),
    /** Reference values and "the last good run" to judge the results against (core/references.ts). */
    references: referencesSchema.optional(),
  })
  .superRefine((r, ctx) => {
    // A PostgreSQL server speaks SQL only, and the sql workload logs in to the job's own server.
    const postgres = r.service.kind === 'postgres';
    const sql = r.workload.kind === 'sql';
    if (postgres && !sql)
      ctx.addIssue({
        code: 'custom',
        path: ['workload', 'kind'],
        message: `a postgres service serves the sql workload, not ${r.workload.kind}`,
      });
    if (sql && !postgres && r.service.kind !== 'deployment')
      ctx.addIssue({
        code: 'custom',
        path: ['service', 'kind'],
        message: `the sql workload runs against service kind postgres, not ${r.service.kind}`,
      });
  })
  .superRefine(vectorServiceChecks);

/** What people write (durations as strings, defaults missing). */
export type RecipeInput = z.input<typeof recipeSchema>;
/** What the code uses (durations in ms, defaults filled in). */
export type Recipe = z.output<typeof recipeSchema>;
/** A stage as the recipe lists it: one load, or a sweep or capacity search that makes several. */
export type StagePlanSpec = Recipe['workload']['stages'][number];
export type SweepSpec = Extract<StagePlanSpec, { mode: 'sweep' }>;
export type CapacitySearchSpec = Extract<StagePlanSpec, { mode: 'capacity-search' }>;
/** One load the clients run: what a run's stages are (core/stage-plan.ts makes them from the plan). */
export type StageSpec = Exclude<StagePlanSpec, SweepSpec | CapacitySearchSpec>;
export type SearchSlo = CapacitySearchSpec['slo'];
export type Repeat = Recipe['workload']['repeat'];

/** A service the recipe runs or reaches itself (not a deployment's). */
export type ServiceSpec = Service;
export type ServiceKind = ServiceSpec['kind'];

/** Where a job queues on Slurm: sbatch's --account, --partition and --qos. */
export type SlurmPlacement = z.output<typeof slurmPlacement>;

export type ParseResult = { ok: true; recipe: Recipe } | { ok: false; issues: RecipeIssue[] };

export function parseRecipe(input: unknown): ParseResult {
  const result = recipeSchema.safeParse(input);
  return result.success
    ? { ok: true, recipe: result.data }
    : { ok: false, issues: recipeIssues(result.error) };
}

/** zod's issues as dotted paths and messages (every recipe-like schema reports this way). */
export function recipeIssues(error: z.ZodError): RecipeIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}
