// Entry point (`npx tsx simulator/main.ts`, bundled as dist/simulator.mjs). Kept thin so
// importing the simulator elsewhere never starts a server.
import { runSimulatorCli } from './cli';

runSimulatorCli(process.argv).catch((err: unknown) => {
  console.error(`aifb simulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
