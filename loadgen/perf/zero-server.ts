/**
 * Zero-delay OpenAI-style SSE server for measuring loadgen throughput in a separate process:
 *   npx tsx loadgen/perf/zero-server.ts [port] [tokens]   (defaults 18080, 16)
 */
import { startSseServer } from '../testing';

const port = Number(process.argv[2] ?? 18080);
const tokens = Number(process.argv[3] ?? 16);
const server = await startSseServer({ ttftMs: 0, tokens, gapMs: 0 }, port);
console.log(`zero-delay SSE server on ${server.url} (${tokens} chunks per response)`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
