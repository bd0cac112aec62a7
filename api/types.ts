/** What the API is built from, and what every route plugin receives. */
import type { z } from 'zod';
import type { BenchmarkControl } from '../control/types';
import type { bearerAuth } from './auth';
import type { Health } from './schemas';

export interface ApiDeps {
  control: BenchmarkControl;
  /** Bearer token for mutating routes; null only in the explicit local dev mode. */
  token: string | null;
  /** Origins allowed by CORS (e.g. the Grafana URL); empty: CORS off. */
  corsOrigins: string[];
  health(): Promise<z.infer<typeof Health>>;
  /** Where GET /recipes finds example recipes. */
  examplesDir: string;
  logger?: boolean;
  /** For aifb_benchmarks_running on GET /metrics (Temporal visibility); absent: not exported. */
  runningBenchmarks?: () => Promise<number>;
}

/** What every route plugin receives. */
export interface RouteOptions {
  deps: ApiDeps;
  auth: ReturnType<typeof bearerAuth>;
}
