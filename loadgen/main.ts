/** Entry point of the bundled load generator (dist/loadgen.mjs); all logic lives in cli.ts. */
import { runLoadgenCli } from './cli';

// No top-level await: the same entry is bundled as CommonJS for the single executable (SEA).
// Explicit exit: the run is over once the result is written, whatever handles remain open.
runLoadgenCli(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
