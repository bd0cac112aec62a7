// A bring-your-own client for aifb's `command` workload (examples/own-client.yaml): any program
// works the same way. It reads what aifb puts in its environment, loads the service for its
// share of the stage, and writes one JSON line per request to $AIFB_RECORDS, which aifb turns
// into the stage's histograms and summary. Node 20+, no dependencies.
import { appendFileSync, writeFileSync } from 'node:fs';

const env = process.env;
const url = `${env.SERVICE_URL}/v1/models`;
const concurrency = Number(env.AIFB_CONCURRENCY ?? 1);
const seconds = Number(env.AIFB_WARMUP_S ?? 0) + Number(env.AIFB_DURATION_S ?? 10);
const maxRequests = env.AIFB_MAX_REQUESTS ? Number(env.AIFB_MAX_REQUESTS) : Number.POSITIVE_INFINITY;

// What this client was told, kept beside its records (the integration test reads it).
const told = Object.fromEntries(
  Object.entries(env).filter(
    ([k]) => k.startsWith('AIFB_') || k.startsWith('SERVICE_') || k === 'OWN_CLIENT_GREETING',
  ),
);
writeFileSync(`own-client-env-${env.AIFB_STAGE_INDEX}-${env.AIFB_CLIENT_INDEX}.json`, JSON.stringify(told));
console.log(
  `own client ${env.AIFB_CLIENT_INDEX}: stage ${env.AIFB_STAGE}, ${concurrency} in flight for ${seconds} s against ${url}`,
);

let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
const endAt = Date.now() + seconds * 1000;
let sent = 0;
let lines = [];
const flush = () => {
  if (lines.length) appendFileSync(env.AIFB_RECORDS, lines.join(''));
  lines = [];
};

async function loop(worker) {
  while (!stopping && Date.now() < endAt && sent < maxRequests) {
    sent++;
    const start = performance.timeOrigin + performance.now();
    let ok = false;
    let error;
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      ok = res.ok;
      if (!ok) error = `http_${res.status}`;
    } catch {
      error = 'connection';
    }
    const end = performance.timeOrigin + performance.now();
    // Classes are reported apart: here, even and odd workers.
    const record = { start, end, ok, class: worker % 2 ? 'odd' : 'even', counters: { bytes: 1 } };
    if (error) record.error = error;
    lines.push(`${JSON.stringify(record)}\n`);
    if (lines.length >= 100) flush();
  }
}

await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
flush();
console.log(`own client ${env.AIFB_CLIENT_INDEX}: ${sent} requests`);
