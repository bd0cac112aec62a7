// Everything the worker registers as workflow code. Keep this free of Node imports.
export {
  benchmarkWorkflow,
  statusQuery,
  stopSignal,
  stopStageSignal,
  stopStageUpdate,
  stopUpdate,
} from './benchmark';
