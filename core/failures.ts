/**
 * Every failure aifb reports, in one catalogue (as fastify's lib/errors.js keeps its codes):
 * the types a benchmark run fails with (ApplicationFailure.type, what status, API and CLI show
 * first), and the error codes of the control surfaces with their HTTP status and CLI exit code.
 * Pure: the workflow imports it.
 */

interface RunFailureSpec {
  meaning: string;
  /** false: a retry cannot help; the workflow lists these as non-retryable. */
  retryable: boolean;
}

/** Types a run's failure carries. Activities throw them (activities/failures.ts `permanent`). */
export const RUN_FAILURES = {
  InvalidRecipe: { meaning: 'the recipe does not validate (every field path listed)', retryable: false },
  InvalidBenchmarkId: {
    meaning: 'the workflow id cannot name a benchmark (e.g. "." or ".."); nothing was started',
    retryable: false,
  },
  BadConfig: {
    meaning: 'the worker cannot run this recipe as configured (missing bundle or file)',
    retryable: false,
  },
  HostKeyRejected: { meaning: "the login node's SSH host key is unknown or changed", retryable: false },
  ImagePullFailed: { meaning: "the service's container image could not be pulled", retryable: false },
  ServiceFailed: { meaning: 'the service job ended before it became healthy', retryable: false },
  HealthTimeout: { meaning: 'the service did not answer its health check in time', retryable: false },
  DeploymentUnavailable: {
    meaning: 'the deployment the recipe names is not serving (none by that name, still starting, or down)',
    retryable: false,
  },
  DeploymentJobEnded: {
    meaning: "a deployment's service job ended while it was serving; the deployment is down",
    retryable: false,
  },
  NoClientResults: { meaning: 'no client of a stage wrote a result', retryable: false },
  InvalidRun: {
    meaning:
      'the run finished, but a stage broke a validity rule (service died, client missing, errors, rate, saturation); its results are kept',
    retryable: false,
  },
  BenchmarkFailed: { meaning: 'a failure with no type of its own (see its cause)', retryable: false },
} as const satisfies Record<string, RunFailureSpec>;

export type RunFailureType = keyof typeof RUN_FAILURES;

export const NON_RETRYABLE_FAILURES: RunFailureType[] = (
  Object.entries(RUN_FAILURES) as [RunFailureType, RunFailureSpec][]
)
  .filter(([, spec]) => !spec.retryable)
  .map(([type]) => type);

interface ControlErrorSpec {
  meaning: string;
  httpStatus: number;
  exitCode: number;
}

/** The `error` field of an API error body; the same codes end a CLI command. */
export const CONTROL_ERRORS = {
  'invalid-input': { meaning: 'bad recipe, argument or request', httpStatus: 400, exitCode: 2 },
  unauthorized: { meaning: 'missing or wrong bearer token', httpStatus: 401, exitCode: 2 },
  'not-found': {
    meaning: 'no such benchmark, deployment, schedule or results',
    httpStatus: 404,
    exitCode: 2,
  },
  conflict: {
    meaning: 'refused in the run’s current state (e.g. already ended)',
    httpStatus: 409,
    exitCode: 1,
  },
  unavailable: { meaning: 'Temporal or a worker did not answer', httpStatus: 503, exitCode: 1 },
  internal: { meaning: 'a bug: the message says where', httpStatus: 500, exitCode: 1 },
} as const satisfies Record<string, ControlErrorSpec>;

export type ControlErrorCode = keyof typeof CONTROL_ERRORS;
