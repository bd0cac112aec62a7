/**
 * Deployments on Temporal: start one (`deploy-<name>`, one running per name), list them from
 * visibility with their live status, and ask one to go down (the `down` update).
 */
import {
  type Client,
  isGrpcDeadlineError,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import {
  DEPLOYMENT_ID_PREFIX,
  DEPLOYMENT_WORKFLOW_TYPE,
  type DeploymentPhase,
  type DeploymentStatus,
  deploymentStatusQuery,
  deploymentWorkflowId,
  downUpdate,
} from '../core/contract';
import { parseDeploymentRecipe } from '../core/deployment';
import { withSiteTarget } from '../core/node/site-target';
import { formatIssues } from '../core/recipe-read';
import { ExecutorKey, PhaseKey, RecipeKey, ServiceKindKey } from '../core/search-attributes';
import { listItemOf } from './decode';
import { failureMessage } from './failure';
import { checkDeploymentName } from './ids';
import { ControlError, type DeploymentView } from './types';
import { quote } from './visibility';

/** A query or update no worker picks up within this long is reported, not waited on. */
const ANSWER_TIMEOUT_MS = 10_000;

const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : null);

export class DeploymentControl {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  private live(handle: WorkflowHandle): Promise<DeploymentStatus | null> {
    return this.client.connection
      .withDeadline(Date.now() + ANSWER_TIMEOUT_MS, () => handle.query(deploymentStatusQuery))
      .catch(() => null);
  }

  /** The row for one run; the live status when `ask` (a worker replays closed runs to answer). */
  private async viewOf(raw: WorkflowExecutionInfo['raw'], ask: boolean): Promise<DeploymentView> {
    const item = listItemOf(raw);
    const handle = this.client.workflow.getHandle(item.workflowId, item.runId);
    const live = ask ? await this.live(handle) : null;
    let failure: string | null = null;
    if (item.status === 'failed' || item.status === 'terminated' || item.status === 'timed-out') {
      failure = await handle.result().then(
        () => null,
        (err: unknown) => failureMessage(err),
      );
    }
    return {
      name: live?.name ?? item.recipeName ?? item.workflowId.slice(DEPLOYMENT_ID_PREFIX.length),
      workflowId: item.workflowId,
      runId: item.runId,
      status: item.status,
      phase: live?.phase ?? (item.phase as DeploymentPhase | null),
      endpoint: live?.endpoint ?? null,
      job: live?.job?.name ?? null,
      serviceKind: live?.serviceKind ?? item.serviceKind,
      executor: live?.executor ?? item.executor,
      startedAt: iso(live?.startedAtMs) ?? item.startedAt,
      expiresAt: iso(live?.expiresAtMs),
      closedAt: item.closedAt,
      benchmarks: live?.benchmarks ?? [],
      downReason: live?.downReason ?? null,
      failure,
    };
  }

  async up(given: unknown): Promise<DeploymentView> {
    const input = withSiteTarget(given);
    const parsed = parseDeploymentRecipe(input);
    if (!parsed.ok) throw new ControlError('invalid-input', formatIssues(parsed.issues), parsed.issues);
    const { recipe } = parsed;
    try {
      await this.client.workflow.start(DEPLOYMENT_WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId: deploymentWorkflowId(recipe.name),
        args: [input],
        memo: { recipe: input },
        // Set at start too (the workflow upserts the same), so a list right after shows it.
        typedSearchAttributes: [
          { key: RecipeKey, value: recipe.name },
          { key: ServiceKindKey, value: recipe.service.kind },
          { key: ExecutorKey, value: recipe.target.executor },
          { key: PhaseKey, value: 'deploying' },
        ],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        const running = await this.get(recipe.name).catch(() => null);
        throw new ControlError(
          'conflict',
          `deployment ${recipe.name} is already running (${running?.phase ?? 'phase unknown'}${running?.endpoint ? ` at ${running.endpoint}` : ''}): \`aifb deploy down ${recipe.name}\` first`,
        );
      }
      throw err;
    }
    return this.get(recipe.name);
  }

  async get(name: string): Promise<DeploymentView> {
    const handle = this.client.workflow.getHandle(deploymentWorkflowId(checkDeploymentName(name)));
    try {
      const description = await handle.describe();
      return await this.viewOf(description.raw.workflowExecutionInfo ?? {}, true);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ControlError('not-found', `no deployment ${name}`);
      throw err;
    }
  }

  async list(): Promise<DeploymentView[]> {
    const response = await this.client.workflowService.listWorkflowExecutions({
      namespace: this.client.options.namespace,
      query: `WorkflowType = ${quote(DEPLOYMENT_WORKFLOW_TYPE)}`,
      pageSize: 200,
    });
    // Newest first: the first run seen per id is its current one (continue-as-new keeps the id).
    const newest = new Map<string, WorkflowExecutionInfo['raw']>();
    for (const raw of response.executions ?? []) {
      const id = raw.execution?.workflowId ?? '';
      if (!newest.has(id)) newest.set(id, raw);
    }
    const views = await Promise.all(
      [...newest.values()].map((raw) => this.viewOf(raw, listItemOf(raw).status === 'running')),
    );
    const running = (v: DeploymentView) => (v.status === 'running' ? 0 : 1);
    return views.sort((a, b) => running(a) - running(b) || b.startedAt.localeCompare(a.startedAt));
  }

  async down(name: string, reason?: string): Promise<DeploymentView> {
    const before = await this.get(name);
    if (before.status !== 'running') {
      throw new ControlError(
        'conflict',
        `deployment ${name} is already down (${before.phase ?? before.status})`,
      );
    }
    const handle = this.client.workflow.getHandle(before.workflowId);
    try {
      await this.client.connection.withDeadline(Date.now() + ANSWER_TIMEOUT_MS, () =>
        handle.executeUpdate(downUpdate, { args: [reason] }),
      );
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new ControlError('conflict', failureMessage(err));
      if (err instanceof WorkflowNotFoundError || /already completed/i.test(String(err))) {
        throw new ControlError('conflict', `deployment ${name} is already down`);
      }
      if (isGrpcDeadlineError(err)) {
        throw new ControlError('unavailable', `no worker answered the down request for deployment ${name}`);
      }
      throw err;
    }
    return this.get(name);
  }
}
