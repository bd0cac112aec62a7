/** Where scripts/llm/install.sh put llama-server and the model, and recipes that use them. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { slurmRecipe } from '../slurm/cluster';

export function llmCache(): string {
  const base =
    process.env.AIFB_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'aifb');
  return join(base, 'llm');
}

/** AIFB_LLAMA_SERVER and AIFB_LLM_MODEL from the installer's env file; fails loudly without it. */
export function llm(): { server: string; model: string } {
  const file = join(llmCache(), 'env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file} is missing: scripts/llm/install.sh (make llm) did not run or failed`);
  }
  const env = Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => l.split('=', 2) as [string, string]),
  );
  if (!env.AIFB_LLAMA_SERVER || !env.AIFB_LLM_MODEL) throw new Error(`${file} names no server or model`);
  return { server: env.AIFB_LLAMA_SERVER, model: env.AIFB_LLM_MODEL };
}

/** Two stages against llama.cpp: every request recorded, so the server's own timings can be joined. */
export function llamacppRecipe(name: string, target: 'local' | 'slurm') {
  const { server, model } = llm();
  const slurm = target === 'slurm';
  return {
    name,
    // The local cluster's login node and partition, as the slurm tier reaches them.
    target: slurm ? slurmRecipe(name).target : { executor: 'local' },
    service: {
      kind: 'llamacpp',
      binary: server,
      model,
      args: ['--parallel', '2', '--ctx-size', '2048', '--threads', '1'],
      ...(slurm ? { resources: { time: '00:15:00' } } : {}),
      health: { timeout: '90s', interval: '500ms' },
    },
    workload: {
      kind: 'openai-chat',
      dataset: { synthetic: { inputTokens: 48, outputTokens: 24 }, seed: 3 },
      clients: { count: 1, ...(slurm ? { resources: { time: '00:15:00' } } : {}) },
      recordRequests: true,
      requestTimeout: '30s',
      stages: [
        // Bounded by request count first: a busy machine gives fewer requests per second, not fewer figures.
        { name: 'one', mode: 'synchronous', maxRequests: 8, duration: '40s', cooldown: '10s' },
        {
          name: 'two',
          mode: 'concurrency',
          concurrency: 2,
          maxRequests: 10,
          duration: '40s',
          cooldown: '10s',
        },
      ],
    },
  };
}
