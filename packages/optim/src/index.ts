// The public surface of @tensile/optim (re-exports only).
export {
  Optimizer, type Dialect, type BaseHyper, type Hyper, type StateValue, type OptimizerOptions, type ParamGroup, type ParamsInput,
  type OptimizerStateDict, type LossLike,
} from './optimizer.js';
export { rules, type HyperValue, type Rule } from './hyperparams.js';
export type { HasNamedParameters, NamedTensor, ParamSource } from './params.js';
export { StateDictError, ParameterError } from './errors.js';
export { SGD, type SGDHyper, type SGDState } from './sgd.js';
export { AdaGrad, type AdaGradHyper, type AdaGradState } from './adagrad.js';
export { RMSProp, type RMSPropHyper, type RMSPropState } from './rmsprop.js';
export { Adam, type AdamHyper, type AdamState } from './adam.js';
export { AdamW } from './adamw.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
export * from './schedulers/index.js';
