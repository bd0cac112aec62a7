/**
 * The CLI's way to its benchmarks: the HTTP API when AIFB_API_URL is set (token from
 * AIFB_API_TOKEN), else Temporal directly (TEMPORAL_ADDRESS etc., default 127.0.0.1:7233).
 * Both are a `BenchmarkControl`, so every command prints the same either way.
 */
import { connectControl } from '../control/connect';
import { HttpControl } from '../control/http-control';
import { type BenchmarkControl, ControlError } from '../control/types';
import type { AifbConfig } from '../core/node/config';
import { temporalSettings } from '../core/node/temporal';
import { temporalReachable } from './embedded-stack';

export async function openControl(config: AifbConfig, env = process.env): Promise<BenchmarkControl> {
  if (env.AIFB_API_URL) return new HttpControl(env.AIFB_API_URL, env.AIFB_API_TOKEN || null);
  const settings = temporalSettings();
  const address = settings.connectionOptions.address;
  if (!settings.configured && !(await temporalReachable(address))) {
    throw new ControlError(
      'unavailable',
      `no Temporal server answers on ${address}: start one with \`aifb dev\`, or set TEMPORAL_ADDRESS or AIFB_API_URL`,
    );
  }
  return connectControl(config, settings);
}
