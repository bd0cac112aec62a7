/**
 * Whether a stage measured what was asked, in the spirit of MLPerf LoadGen: a stage that breaks
 * one of these rules is INVALID, and so is the run, whatever its numbers look like. Each failed
 * rule is named with its figures. Pure: collectMetrics judges, the workflow acts on the verdict.
 */
import type { StageSummary, StageValidity, ValidityFailure } from './summary-format';

/** The recipe's limits (`workload.validity`, durations in ms), with their defaults filled in. */
export interface ValidityLimits {
  /** Failed requests allowed, in % of those sent in the measured window. */
  maxErrorPct: number;
  /** Open loop: sends may differ from what the seeded schedule asked by at most this %. */
  rateTolerancePct: number;
  /** A client whose event loop was busier than this (0-1) was saturated. */
  maxEventLoopUtilization: number;
  /** Open loop: a client whose p99 schedule lag exceeded this (ms) was saturated. */
  maxScheduleLagP99: number;
}

/** What the stage's surroundings looked like when it was collected. */
export interface StageCircumstances {
  /** The service job's state after the stage, and why it ended when it did. */
  service: { alive: boolean; state: string; reason?: string };
  /** Clients that wrote no result, with why. */
  missingClients: { index: number; reason: string }[];
  /** Ended early by a stop: the requests it aborted are the operator's doing, not errors. */
  stoppedEarly?: boolean;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const firstLine = (text: string) => text.split('\n')[0]!.trim();

export function judgeStage(
  stage: StageSummary,
  limits: ValidityLimits,
  circumstances: StageCircumstances,
): StageValidity {
  const failures: ValidityFailure[] = [];
  const { service, missingClients } = circumstances;

  if (!service.alive) {
    failures.push({
      rule: 'service-alive',
      message: `the service job ended (${service.state}${service.reason ? `: ${service.reason}` : ''}) before the stage was collected`,
      figures: { state: service.state },
    });
  }

  if (stage.clientsReported < stage.clientsExpected) {
    const why = missingClients.map((m) => `client ${m.index}: ${firstLine(m.reason)}`).join('; ');
    failures.push({
      rule: 'clients-reported',
      message: `${stage.clientsReported} of ${stage.clientsExpected} clients reported${why ? ` (${why})` : ''}`,
      figures: { reported: stage.clientsReported, expected: stage.clientsExpected },
    });
  }

  const { sent, errors } = stage.requests;
  const aborted = circumstances.stoppedEarly ? (errors.aborted ?? 0) : 0;
  const failed = stage.requests.failed - aborted;
  const errorPct = sent > 0 ? (failed / sent) * 100 : 0;
  if (errorPct > limits.maxErrorPct) {
    const kinds = Object.entries(errors)
      .filter(([kind]) => kind !== 'aborted' || aborted === 0)
      .map(([kind, n]) => `${kind}=${n}`)
      .join(', ');
    failures.push({
      rule: 'error-rate',
      message: `${round(errorPct)}% of ${sent} requests failed (${kinds}); at most ${limits.maxErrorPct}% allowed`,
      figures: { errorPct: round(errorPct, 4), failed, sent, maxErrorPct: limits.maxErrorPct },
    });
  }
  const commands = stage.workload?.commands ?? [];
  // A command that wrote no records is judged by its exit status alone (its logs are kept).
  const exitStatusOnly = commands.length > 0 && commands.every((c) => c.records === 0);
  for (const c of commands) {
    if (c.endedByAifb || c.code === 0) continue;
    failures.push({
      rule: 'client-command',
      message: `client ${c.client}'s command ${c.signal ? `was killed by ${c.signal}` : `exited with status ${c.code}`}`,
      figures: { client: c.client, code: c.code, signal: c.signal },
    });
  }
  if (sent === 0 && !exitStatusOnly) {
    failures.push({
      rule: 'requests-sent',
      message: 'no request was sent in the measured window',
      figures: { sent },
    });
  }

  // Open loop: the generator must have sent what its schedule asked for (a Poisson count varies
  // around rate × window, so the schedule, not the nominal rate, is the measure).
  const { requestedPerS, achievedPerS, deliveryErrorPct, errorPct: rateErrorPct } = stage.rate;
  const shortfall = deliveryErrorPct ?? rateErrorPct;
  if (requestedPerS !== null && shortfall !== null && Math.abs(shortfall) > limits.rateTolerancePct) {
    failures.push({
      rule: 'rate-achieved',
      message: `sent ${round(achievedPerS)}/s against the ${requestedPerS}/s asked (${round(shortfall)}% off the schedule); at most ±${limits.rateTolerancePct}% allowed`,
      figures: {
        achievedPerS: round(achievedPerS, 4),
        requestedPerS,
        offPct: round(shortfall, 4),
        rateTolerancePct: limits.rateTolerancePct,
      },
    });
  }

  for (const client of stage.loadgen.clients ?? []) {
    const lagTooHigh =
      requestedPerS !== null &&
      client.scheduleLagP99Ms !== null &&
      client.scheduleLagP99Ms > limits.maxScheduleLagP99;
    if (client.eventLoopUtilization > limits.maxEventLoopUtilization || lagTooHigh) {
      failures.push({
        rule: 'loadgen-saturated',
        message:
          `client ${client.index} was saturated: event loop ${round(client.eventLoopUtilization * 100, 1)}% busy ` +
          `(limit ${round(limits.maxEventLoopUtilization * 100, 1)}%), schedule lag p99 ` +
          `${client.scheduleLagP99Ms === null ? '-' : round(client.scheduleLagP99Ms)} ms (limit ${limits.maxScheduleLagP99} ms)`,
        figures: {
          client: client.index,
          eventLoopUtilization: round(client.eventLoopUtilization, 4),
          scheduleLagP99Ms: client.scheduleLagP99Ms === null ? null : round(client.scheduleLagP99Ms, 3),
          maxEventLoopUtilization: limits.maxEventLoopUtilization,
          maxScheduleLagP99Ms: limits.maxScheduleLagP99,
        },
      });
    }
  }

  return { valid: failures.length === 0, failures };
}

/** One line per failed rule of every invalid stage: what a person reads first. */
export function invalidReasons(stages: readonly StageSummary[]): string[] {
  return stages.flatMap((s) =>
    (s.validity?.failures ?? []).map((f) => `stage ${s.name}: ${f.rule}: ${f.message}`),
  );
}
