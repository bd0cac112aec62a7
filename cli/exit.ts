/** Exit codes of `aifb` (README): 0 ok, 1 failure, 2 bad input, 130 cancelled/interrupted. */
export const EXIT = { ok: 0, failure: 1, badInput: 2, cancelled: 130 } as const;

/** Thrown by commands to end with a code after printing their own message. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
