// The image's HEALTHCHECK (Dockerfile): plain JavaScript, so a check costs one node start and no
// TypeScript loader. Which role this container plays is the `aifb` command it runs:
//   worker → its own /metrics answers (AIFB_WORKER_METRICS_HOST/PORT, default 127.0.0.1:9464);
//   api    → GET /health answers 200 (Temporal reachable; AIFB_API_PORT, default 8080);
//   anything else (a one-shot CLI command) → healthy.
// The role is the first argument, else read from PID 1's command line (the container's command).
// Exit 0 healthy, 1 not, with one line saying why.
import { readFileSync } from 'node:fs';

const ROLES = ['worker', 'api'];

/** The aifb command in an argv (`node /app/bin/aifb.mjs worker ...` → `worker`). */
export function roleOf(argv) {
  const at = argv.findIndex((a) => a.endsWith('aifb.mjs') || a === 'aifb');
  const words = at >= 0 ? argv.slice(at + 1) : argv;
  return ROLES.find((r) => words[0] === r) ?? 'cli';
}

/** The URL the role's check fetches, from the same variables the code reads. */
export function checkUrl(role, env) {
  const local = (host) => (!host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  if (role === 'worker') {
    const port = env.AIFB_WORKER_METRICS_PORT ?? '9464';
    return port === '0' ? null : `http://${local(env.AIFB_WORKER_METRICS_HOST)}:${port}/metrics`;
  }
  if (role === 'api') return `http://${local(env.AIFB_API_HOST)}:${env.AIFB_API_PORT ?? '8080'}/health`;
  return null;
}

function pid1Argv() {
  try {
    return readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

async function main() {
  const role = process.argv[2] ?? roleOf(pid1Argv());
  const url = checkUrl(role, process.env);
  if (url === null) {
    console.log(`${role}: nothing to check`);
    return 0;
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
    await res.arrayBuffer();
    console.log(`${role}: ${url} answered ${res.status}`);
    return res.status === 200 ? 0 : 1;
  } catch (err) {
    console.log(`${role}: ${url} did not answer: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
