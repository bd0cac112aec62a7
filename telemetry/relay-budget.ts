/**
 * How often the relay hub (activities/relay-hub.ts) serves each running benchmark, so that its
 * total work is bounded whatever the number of benchmarks: below the budgets every benchmark is
 * served at the configured pace; above them each is served less often, never the budget exceeded.
 */

export interface RelayBudget {
  /** Log copies + progress reads per second over all benchmarks (AIFB_RELAY_PASSES_PER_S). */
  passesPerS: number;
  /** Pushgateway PUTs per second over all benchmarks (AIFB_RELAY_PUSHES_PER_S). */
  pushesPerS: number;
  /** Temporal status queries per second over all benchmarks (AIFB_RELAY_QUERIES_PER_S). */
  statusQueriesPerS: number;
  /** The pace below the budgets (AIFB_PUSH_INTERVAL). */
  pushIntervalMs: number;
}

export const DEFAULT_RELAY_BUDGET: Omit<RelayBudget, 'pushIntervalMs'> = {
  passesPerS: 100,
  pushesPerS: 50,
  statusQueriesPerS: 20,
};

/** PUTs one benchmark's push round makes at most: status, service, system, and a client or so. */
export const GROUPS_PER_ROUND = 4;
/** Fastest a benchmark's logs are copied and its progress read. */
export const MIN_PASS_MS = 1000;

export interface RelayIntervals {
  passMs: number;
  pushMs: number;
  statusMs: number;
}

export function relayIntervals(running: number, budget: RelayBudget): RelayIntervals {
  const n = Math.max(1, running);
  return {
    passMs: Math.max(MIN_PASS_MS, (n * 1000) / budget.passesPerS),
    pushMs: Math.max(budget.pushIntervalMs, (n * GROUPS_PER_ROUND * 1000) / budget.pushesPerS),
    statusMs: Math.max(budget.pushIntervalMs, (n * 1000) / budget.statusQueriesPerS),
  };
}

/**
 * A token bucket: `ratePerS` tokens a second, at most `burst` saved. `take` answers how long to
 * wait before the token it took may be spent (0: now); tokens are handed out in call order.
 */
export class TokenBucket {
  private tokens: number;
  private atMs: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.atMs = now();
  }

  take(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.ratePerS);
  }

  /** Takes a token only when one is there now: for work that is skipped rather than delayed. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.atMs) * this.ratePerS) / 1000);
    this.atMs = t;
  }
}
