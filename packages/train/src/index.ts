// The public surface of @tensile/train (re-exports only). Runs in a browser: no `node:` imports here;
// files, metrics.jsonl and the terminal progress bar are in `@tensile/train/node`.
export { CheckpointError, NonFiniteLossError, type CheckpointPart } from './errors.js';
export { encodeJson, decodeJson, type JsonValue } from './json.js';
export { runGenerators, type RunGenerator, type GeneratorSources } from './generators.js';
export {
  captureState, restoreState, CHECKPOINT_VERSION,
  type TrainingState, type TrainingParts, type CaptureOptions, type RestoredCounters, type GeneratorEntry, type AnyOptimizer,
} from './state.js';
export { checkpointToBytes, checkpointFromBytes, CHECKPOINT_FORMAT } from './serialize.js';
export { IndexedDBCheckpointStore, checkpointBlob, downloadCheckpoint, type IndexedDBStoreOptions } from './browser.js';
export { MemoryHistory, metricOf, recordsByRun, type MetricsHistory, type MetricsRecord, type StepRecord, type EpochRecord, type MetricValues } from './history.js';
export {
  classificationStep, regressionStep, evaluate,
  type StepFn, type StepContext, type StepOutput, type MetricFn, type ClassificationStepOptions, type RegressionStepOptions,
  type EvaluateOptions, type Evaluation,
} from './steps.js';
export {
  checkpoint, earlyStopping, progress,
  type Callback, type FitContext, type StopInfo, type CheckpointOptions, type EarlyStoppingOptions, type ProgressEvent,
} from './callbacks.js';
export { MetricScheduler } from './metric-scheduler.js';
export { fit, type FitOptions, type FitResult } from './fit.js';
export { profileSteps, type ProfileStepsOptions } from './profile-steps.js';
export { formatDuration, formatLr, formatPercent, formatRate } from './format.js';
export {
  PALETTE, chartGroup, chartRow, legendGroup, legendWidth, lineChart, logTicks, niceTicks, smooth, svgDocument, escapeXml, tickLabels,
  type ChartOptions, type LegendEntry, type Series,
} from './plot/chart.js';
export { contourGroup, contourLines, contourSegments, type ContourLine, type ContourOptions, type Path2d } from './plot/contour.js';
export { textWidth } from './plot/text.js';
export { confusionMatrixSvg, grayscalePng, imageGridSvg, type LabelledImage } from './plot/images.js';
export {
  lossChart, metricChart, accuracyChart, lrChart, confusionMatrix, classificationPlots,
  type HistoryChartOptions, type TestPredictions,
} from './plot/training.js';
export { comparisonChart, runsLossChart, runsMetricChart, type NamedRun, type RunsChartOptions } from './plot/runs.js';
