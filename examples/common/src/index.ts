// @tensile/examples-common: what the examples share (re-exports only).
export { UsageError, parseFlags, helpText, int, positive, choice, choiceList, path, bool, type Flag, type FlagSpec, type FlagValues } from './args.js';
export { commonFlags, runMain } from './cli.js';
export { checkpointFile, holdsRun, makeDir, newRunFolder, planOutput, userPath, writableFolder, type OutputPlan, type OutputRequest } from './paths.js';
export {
  RECIPE_NAMES, classifierFlags, describeBackend, resolveConfig, runClassifier,
  type ClassifierConfig, type ClassifierExample, type Recipe, type RecipeName,
} from './classifier.js';
export { buildClassifierRun, type ClassifierRun } from './build.js';
export { DATASET_LABELS, DATASET_NAMES, PIXEL_STATS, loadImages, type DatasetName, type ImageData } from './datasets.js';
export { plural } from './format.js';
export { exportOnnxFlag, onnxPath, writeOnnx, type ExportOnnxOptions } from './onnx-export.js';
export {
  DEFAULT_LR, OPTIMIZER_LABELS, OPTIMIZER_NAMES, SCHEDULE_NAMES, makeOptimizer, makeSchedule,
  type AnyOptimizer, type OptimizerName, type ScheduleName,
} from './optimizers.js';
export { DIVERGED_LOSS, DivergenceError } from './divergence.js';
export { OLD_EXAMPLES_FORMAT, oldCheckpointError, safetensorsFormat } from './old-format.js';
export { DEBUG_FLAGS, PROFILE_SKIP, PROFILE_STEPS, debugFlags, printSummary, profileCallbacks, stopProfiling, type LinePrinter } from './debug.js';
