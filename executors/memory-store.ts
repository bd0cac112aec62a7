/**
 * Where the in-memory executor (executors/memory.ts) keeps its jobs' files: a Map for one
 * process, or a folder when several worker processes must see the same jobs (an activity of one
 * benchmark may run on any worker). Both keep when each file was last written: the simulated
 * jobs' behaviour is a function of those times and the clock.
 */
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/node/files';

export interface StoredFile {
  text: string;
  /** When it was last written (epoch ms). */
  atMs: number;
}

/** Files by benchmark, job and name: the layout of the local executor's job folders. */
export interface MemoryStore {
  read(benchmarkId: string, job: string, name: string): Promise<StoredFile | undefined>;
  write(benchmarkId: string, job: string, name: string, text: string): Promise<void>;
  /** The benchmarks with jobs, or one benchmark's job names. */
  benchmarks(): Promise<string[]>;
  jobs(benchmarkId: string): Promise<string[]>;
}

/** One process: nested Maps, so listing a benchmark's jobs costs nothing however many there are. */
export function mapStore(now: () => number = Date.now): MemoryStore {
  const byBenchmark = new Map<string, Map<string, Map<string, StoredFile>>>();
  return {
    read: async (b, job, name) => byBenchmark.get(b)?.get(job)?.get(name),
    async write(b, job, name, text) {
      const jobs = byBenchmark.get(b) ?? new Map<string, Map<string, StoredFile>>();
      byBenchmark.set(b, jobs);
      const files = jobs.get(job) ?? new Map<string, StoredFile>();
      jobs.set(job, files);
      files.set(name, { text, atMs: now() });
    },
    benchmarks: async () => [...byBenchmark.keys()],
    jobs: async (b) => [...(byBenchmark.get(b)?.keys() ?? [])],
  };
}

const list = (dir: string) => readdir(dir).catch(() => [] as string[]);

/** Several processes: `root/<benchmark>/<job>/<name>`, written atomically (use a tmpfs). */
export function dirStore(root: string): MemoryStore {
  return {
    // Sync on purpose: a tmpfs answers in microseconds, and a missing file (the usual answer) is
    // then `undefined`, not a rejected promise with an ENOENT's stack. The async version was a
    // third of bench:orchestration's worker CPU: the simulation's cost, not the orchestration's.
    async read(b, job, name) {
      const path = join(root, b, job, name);
      const info = statSync(path, { throwIfNoEntry: false });
      if (!info) return undefined;
      try {
        return { text: readFileSync(path, 'utf8'), atMs: Math.floor(info.mtimeMs) };
      } catch {
        return undefined; // replaced or removed between the two calls
      }
    },
    async write(b, job, name, text) {
      await mkdir(join(root, b, job), { recursive: true });
      await writeFileAtomic(join(root, b, job, name), text);
    },
    benchmarks: () => list(root),
    jobs: (b) => list(join(root, b)),
  };
}
