/**
 * A client's own push to Pushgateway, for sites whose compute nodes can reach it (recipe
 * `telemetry.directPushUrl`). Same groups and series as the worker's relay would push
 * (telemetry/run-metrics.ts). At most one push in flight: a slow Pushgateway skips
 * snapshots, it never queues them or slows the load.
 */
import type { LoadgenConfig, ProgressSnapshot } from '../core/loadgen-protocol';
import { type GroupingKey, Pushgateway } from '../telemetry/pushgateway';
import { clientText } from '../telemetry/run-metrics';

export class DirectPush {
  private readonly push: Pushgateway;
  private readonly key: GroupingKey;
  private previous: ProgressSnapshot | undefined;
  private inFlight: Promise<void> | null = null;
  failures = 0;
  lastError: string | null = null;

  constructor(
    private readonly config: LoadgenConfig,
    clientIndex: number,
  ) {
    const spec = config.directPush!;
    this.push = new Pushgateway(spec.url, 3000);
    this.key = {
      benchmark: config.benchmarkId,
      stage: String(config.stageIndex),
      component: `${spec.componentPrefix}${clientIndex}`,
    };
  }

  private send(snapshot: ProgressSnapshot): Promise<void> {
    const text = clientText(snapshot, this.previous, {
      benchmark: this.config.benchmarkId,
      recipe: this.config.directPush!.recipe,
      stage_name: this.config.stageName,
    });
    this.previous = snapshot;
    return this.push.put(this.key, text).catch((err: Error) => {
      this.failures++;
      this.lastError = err.message;
    });
  }

  /** Pushes `snapshot` unless the previous push is still under way. */
  offer(snapshot: ProgressSnapshot): void {
    if (this.inFlight) return;
    this.inFlight = this.send(snapshot).finally(() => {
      this.inFlight = null;
    });
  }

  /** The final snapshot always goes out (after any push in flight). */
  async final(snapshot: ProgressSnapshot): Promise<void> {
    await this.inFlight;
    await this.send(snapshot);
  }
}
