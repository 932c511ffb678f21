// @tensile/examples-common/browser: what a page shares with the examples (no `node:` import): the run
// builder, the optimizers and schedules by name, the datasets' names and pixel statistics.
export { buildClassifierRun, type ClassifierRun } from './build.js';
export { DATASET_LABELS, DATASET_NAMES, PIXEL_STATS, type DatasetName } from './dataset-names.js';
export {
  DEFAULT_LR, OPTIMIZER_LABELS, OPTIMIZER_NAMES, SCHEDULE_NAMES, makeOptimizer, makeSchedule,
  type AnyOptimizer, type OptimizerName, type ScheduleName,
} from './optimizers.js';
export type { ClassifierConfig, ClassifierExample, Recipe, RecipeName } from './classifier.js';
