import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';

let installed = false;

/** Sets the SDK's log level once per process (AIFB_LOG_LEVEL overrides); later calls are no-ops. */
export function installRuntime(defaultLevel: LogLevel): void {
  if (installed) return;
  installed = true;
  const level = (process.env.AIFB_LOG_LEVEL as LogLevel | undefined) ?? defaultLevel;
  Runtime.install({ logger: new DefaultLogger(level) });
}
