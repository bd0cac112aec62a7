/** Entry point of the bundled load generator (dist/loadgen.mjs); all logic lives in cli.ts. */
import { runLoadgenCli } from './cli';

// Explicit exit: the run is over once the result is written, whatever handles remain open.
process.exit(await runLoadgenCli(process.argv));
