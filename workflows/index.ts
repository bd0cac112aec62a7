// Everything the worker registers as workflow code. Keep this free of Node imports. The query,
// signals and updates it handles are defined in core/contract.ts.

export { admissionWorkflow } from './admission';
export { benchmarkWorkflow } from './benchmark';
export { deploymentWorkflow } from './deployment';
