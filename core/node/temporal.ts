/**
 * Temporal connection settings, following Temporal's own conventions (@temporalio/envconfig:
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS and API-key variables, profiles in temporal.toml).
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export const DEFAULT_ADDRESS = '127.0.0.1:7233';

export interface TemporalSettings {
  connectionOptions: NativeConnectionOptions & { address: string };
  namespace: string;
  /** True when the user configured an address; false means "the embedded dev server". */
  configured: boolean;
}

export function temporalSettings(): TemporalSettings {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? DEFAULT_ADDRESS },
    namespace: namespace ?? 'default',
    configured: connectionOptions.address !== undefined,
  };
}
