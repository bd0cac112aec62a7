/**
 * The site's Slurm cluster from the environment: a deployed stack (docker-compose.yml,
 * deploy/k8s/) knows its login node, user, key, account and workdir once, so its recipes may
 * say only `target: { executor: slurm }`. Each `target.slurm` field the recipe leaves out is
 * taken from its AIFB_SLURM_* variable; a value in the recipe always wins. Applied to the raw
 * recipe before validation by every entry point that starts or validates one (CLI, API,
 * schedules, deployments), so the workflow receives, validates and records the full target.
 * `temporal workflow start` bypasses them: there the recipe must be complete.
 */

/** Recipe field → environment variable (the names docker-compose.yml and .env.example use). */
export const SLURM_TARGET_ENV = {
  host: 'AIFB_SLURM_HOST',
  port: 'AIFB_SLURM_PORT',
  user: 'AIFB_SLURM_USER',
  identityFile: 'AIFB_SLURM_IDENTITY_FILE',
  knownHosts: 'AIFB_SLURM_KNOWN_HOSTS',
  account: 'AIFB_SLURM_ACCOUNT',
  partition: 'AIFB_SLURM_PARTITION',
  qos: 'AIFB_SLURM_QOS',
  workdir: 'AIFB_SLURM_WORKDIR',
} as const;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The site's settings that are set (empty means unset, as compose's `${VAR:-}` gives). */
export function siteSlurmDefaults(env: NodeJS.ProcessEnv = process.env): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [field, name] of Object.entries(SLURM_TARGET_ENV)) {
    const value = env[name]?.trim();
    if (!value) continue;
    // A port that is not a number stays a string, so the schema reports it with its path.
    out[field] = field === 'port' && /^\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}

/** `input` with the site's defaults under target.slurm (a copy; anything not a Slurm recipe is returned as is). */
export function withSiteTarget(input: unknown, env: NodeJS.ProcessEnv = process.env): unknown {
  if (!isRecord(input) || !isRecord(input.target) || input.target.executor !== 'slurm') return input;
  const defaults = siteSlurmDefaults(env);
  if (Object.keys(defaults).length === 0) return input;
  const given = input.target.slurm;
  if (given !== undefined && !isRecord(given)) return input; // the schema says what is wrong
  return { ...input, target: { ...input.target, slurm: { ...defaults, ...(given ?? {}) } } };
}
