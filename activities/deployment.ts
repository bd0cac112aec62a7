/**
 * A benchmark attaching to a deployment. Workflows cannot query each other, so this activity
 * asks through the Temporal client the worker gives every activity (as the relay does).
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { attachUpdate, type DeploymentAttachment, deploymentWorkflowId } from '../core/contract';
import { permanent } from './failures';

/** The update's own failure message (the validator's refusal), not the client's wrapper. */
function refusal(err: WorkflowUpdateFailedError): string {
  return err.cause instanceof Error ? err.cause.message : err.message;
}

export function deploymentActivities() {
  return {
    async attachDeployment({
      name,
      benchmarkId,
    }: {
      name: string;
      benchmarkId: string;
    }): Promise<DeploymentAttachment> {
      const handle = Context.current().client.workflow.getHandle(deploymentWorkflowId(name));
      try {
        // Idempotent: a retried attach records the benchmark once.
        return await handle.executeUpdate(attachUpdate, { args: [benchmarkId] });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          throw permanent('DeploymentUnavailable', refusal(err));
        }
        if (err instanceof WorkflowNotFoundError || /already completed/i.test(String(err))) {
          throw permanent(
            'DeploymentUnavailable',
            `deployment ${name} is not running: start it with \`aifb deploy up\``,
          );
        }
        throw err;
      }
    },
  };
}
