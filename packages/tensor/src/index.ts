// The public surface of @tensile/tensor (re-exports only).
export { Tensor, type Scalar, type TensorOrScalar } from './tensor.js';
export { type DType, type TypedArray, DTYPES, MAX_ELEMENTS, promoteTypes, isFloat } from './dtype.js';
export { ShapeError, DTypeError, AutogradError, AnomalyError, AllocationError, NonFiniteError, DeviceError, type GuardPass } from './errors.js';
export { type Shape, fmtShape, broadcastShapes, contiguousStrides, numelOf, shapesEqual } from './shape.js';
export { checkTensor, checkOptions, describeValue } from './check.js';
export { layoutProblem, isHostStorage, type Storage, type DeviceStorage } from './storage.js';
export { Generator, manualSeed, getDefaultGenerator, type GeneratorState } from './random.js';

export { noGrad, enableGrad, isGradEnabled, detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from './autograd/grad-mode.js';
export { backward, grad, type BackwardOptions, type GradOptions } from './autograd/engine.js';
export { defineCustomOp as defineOp, OpContext, type Node, type OpDef } from './autograd/op.js';
/** @internal Tensile's own ops outside this package (@tensile/nn): their backward keeps no gradient. */
export { defineOp as defineBuiltinOp } from './autograd/op.js';
export { gradcheck, GradcheckError, type GradcheckOptions } from './autograd/gradcheck.js';
export { nanGuard, setNanGuard, isNanGuardEnabled, isAllFinite, checkParamUpdate, describeScope } from './autograd/guard.js';
export { RemovableHandle, type TensorHook, groupForBackward, type BackwardGroup } from './autograd/hooks.js';
export { isWatching, getCurrentScope, setCurrentScope, getRecorder, type ModuleScope, type Recorder } from './autograd/instrument.js';
export {
  profile, startProfiler, stopProfiler, isProfiling, recordFunction, Profile,
  type ProfileEvent, type ProfileEventKind, type ProfileRow, type ProfileOptions, type TableOptions, type TraceEvent, type ChromeTrace,
} from './profiler.js';

export type { Backend, View, UnaryOp, BinaryOp, ReduceOp, Conv2dGeometry, AvgPool2dGeometry } from './backend/backend.js';
export { getBackend, setBackend, registerBackend, listBackends, type AnyBackend } from './backend/registry.js';
export { jsBackend } from './backend/js/index.js';
export { simulatedDevice, SimBuffer, type SimStats } from './backend/sim/index.js';
export { wasmBackend, wasmBackendWithGemm, wasmBuild, wasmHeapStats, setWasmHeapLimit } from './backend/wasm/index.js';
export type { ExternalGemm, GemmOperand } from './backend/wasm/matmul.js';
export type { HeapStats } from './backend/wasm/heap.js';
export { setNumThreads, getNumThreads } from './backend/wasm/threads.js';

export * from './ops/creation.js';
export {
  add, sub, mul, div, pow, neg, exp, log, sqrt, rsqrt, abs, sign, square, reciprocal, erf, relu, leakyRelu,
  elu, sigmoid, tanh, gelu, softplus, clamp, maximum, minimum, where, eq, ne, lt, le, gt, ge, logicalAnd,
  logicalNot, cast, type SoftplusOptions,
} from './ops/elementwise.js';
export { sum, mean, variance as var, variance, std, max, min, amax, amin, argmax, argmin, logsumexp, softmax, logSoftmax, type VarOptions, type ValuesIndices } from './ops/reduce.js';
export { reshape, view, permute, transpose, t, expand, squeeze, unsqueeze, narrow, slice, flatten, contiguous, clone, sumTo } from './ops/movement.js';
export { indexSelect, gather, scatterAdd, cat, stack, split, chunk, pad, oneHot } from './ops/indexing.js';
export { matmul } from './ops/matmul.js';
export { crossEntropyIndices } from './ops/loss.js';
export { conv2d, maxPool2d, avgPool2d, type Conv2dOptions, type PoolOptions, type AvgPoolOptions } from './ops/nn.js';
export { add_, sub_, mul_, div_, addcmul_, addcdiv_, copy_, fill_, clamp_, lerp_, maximum_, minimum_ } from './ops/inplace.js';
export { elementwise_ } from './ops/fused.js';
export { defineElementwise, type ElementwiseKernel, type ElementwiseSpec, type ExprFunction } from './expr.js';
export { bmm, baddbmm, addmm, type BaddbmmOptions, type AddmmOptions } from './ops/matmul.js';
export { tril, triu, maskedFill } from './ops/masking.js';
export { topk, type TopkOptions } from './ops/sorting.js';
export { multinomial, type MultinomialOptions } from './ops/sampling.js';
