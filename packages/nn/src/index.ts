// The public surface of @tensile/nn (re-exports only).
export { Module, type AnyModule, type ParameterList } from './module.js';
export {
  registerModuleForwardPreHook, registerModuleForwardHook, registerModuleFullBackwardHook, currentModule,
  type ForwardPreHook, type ForwardHook, type FullBackwardHook,
} from './hooks.js';
export { summary, ModelSummary, type SummaryRow, type SummaryOptions, type SummaryOptimizer } from './summary.js';
export { Parameter } from './parameter.js';
export { StateDictError, type StateDictInput, type LoadStateDictOptions, type LoadStateDictResult } from './state-dict.js';
export { saveSafetensors, loadSafetensors, SafetensorsError, type SafetensorsContents } from './safetensors.js';
export * as init from './init.js';
export * as F from './functional.js';
export * from './losses.js';

export type { LayerOptions } from './layers/common.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Conv2d, type Conv2dLayerOptions } from './layers/conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './layers/pooling.js';
export { Flatten, Unflatten } from './layers/flatten.js';
export { Dropout } from './layers/dropout.js';
export { BatchNormBase, BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './layers/batchnorm.js';
export { LayerNorm, type LayerNormOptions } from './layers/layer-norm.js';
export { Embedding, type EmbeddingLayerOptions } from './layers/embedding.js';
export { Identity } from './layers/identity.js';
export { Sequential, ModuleList, ModuleDict } from './layers/container.js';
export { ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax } from './layers/activation.js';
export {
  Loss, CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss, KLDivLoss,
} from './layers/loss.js';
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from './attention.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './layers/multihead-attention.js';
export {
  TransformerEncoderLayer, TransformerEncoder, type TransformerEncoderLayerOptions, type TransformerEncoderLayerForwardOptions,
  type TransformerEncoderOptions, type TransformerEncoderForwardOptions,
} from './layers/transformer.js';
export { RNNCell, LSTMCell, GRUCell, type Nonlinearity, type RNNCellOptions, type RNNCellLayerOptions } from './layers/rnn-cells.js';
export { RNN, LSTM, GRU, type RNNBaseOptions, type RNNOptions, type LSTMOptions } from './layers/rnn.js';
