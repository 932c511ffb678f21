// Loss functions with PyTorch's semantics and `reduction`. Each is a composition of tensor ops in a
// numerically stable form (log-softmax, softplus), so gradients, including a float target's, come from
// the ops' backwards; crossEntropy's common case is the fused primitive `crossEntropyIndices`.
import {
  DTypeError, ShapeError, checkTensor, describeValue, crossEntropyIndices, fmtShape, isFloat, logSoftmax, shapesEqual, softplus, where, type Tensor,
} from '@tensile/tensor';
import { checkLossOptions } from './loss-options.js';

/** How per-element losses are combined: averaged (default), summed, or returned as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

export interface ReductionOptions {
  reduction?: Reduction;
}


function reductionOf(op: string, r: string | undefined, allowed: readonly string[] = ['mean', 'sum', 'none']): string {
  const reduction = r ?? 'mean';
  if (!allowed.includes(reduction)) {
    throw new RangeError(`${op}: reduction must be ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(r)}`);
  }
  return reduction;
}

function reduce(loss: Tensor, reduction: string): Tensor {
  return reduction === 'none' ? loss : reduction === 'sum' ? loss.sum() : loss.mean();
}

/** Elementwise losses need equal shapes: PyTorch would broadcast `[N, 1]` against `[N]` to `[N, N]` with only a warning. */
function checkPair(op: string, input: Tensor, target: Tensor): void {
  checkTensor(op, 'input', input);
  checkTensor(op, 'target', target);
  if (!isFloat(input.dtype)) throw new DTypeError(`${op}: expected a float input, got ${input.dtype}`);
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      `${op}: the input has shape ${fmtShape(input.shape)} but the target has shape ${fmtShape(target.shape)}; they must be equal (reshape one of them)`,
    );
  }
}

function checkClassWeight(op: string, weight: Tensor | null | undefined, classes: number): void {
  if (weight === null || weight === undefined) return;
  checkTensor(op, 'weight', weight);
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new ShapeError(`${op}: weight must have one entry per class, shape [${classes}], got ${fmtShape(weight.shape)}`);
  }
}

export interface NllLossOptions extends ReductionOptions {
  /** Per-class weights `[C]`; with 'mean' the loss is divided by the summed weights of the targets. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing, not even to the mean's divisor. Default −100. */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution: (1 − ε)·target + ε/C (Szegedy et al., 2016). Default 0. */
  labelSmoothing?: number;
}

/**
 * Checks int32 class targets against `logp` `[N, C, …]` (or `[C]`) and their values against C; says
 * whether any target is `ignoreIndex`.
 */
function checkClassTarget(op: string, logp: Tensor, target: Tensor, classDim: number, ignoreIndex: number): boolean {
  const expected = logp.shape.filter((_, i) => i !== classDim);
  if (!shapesEqual(target.shape, expected)) {
    throw new ShapeError(
      `${op}: for an input of shape ${fmtShape(logp.shape)} the class-index target must have shape ${fmtShape(expected)}, got ${fmtShape(target.shape)}`,
    );
  }
  const classes = logp.shape[classDim]!;
  const values = target.toTypedArray();
  let ignored = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === ignoreIndex) ignored = true;
    else if (v < 0 || v >= classes) {
      throw new RangeError(`${op}: target ${v} (element ${i} of the target) is out of range for ${classes} classes (ignoreIndex is ${ignoreIndex})`);
    }
  }
  return ignored;
}

/** The shape that puts a `[C]` vector on the class dim of `x`. */
function classShape(x: Tensor, classDim: number): number[] {
  return x.shape.map((s, i) => (i === classDim ? s : 1));
}

/**
 * Negative log-likelihood of class indices under log-probabilities, with PyTorch's weighting, ignoring and
 * label smoothing (`smoothing` 0 is plain NLL).
 */
function classIndexLoss(op: string, logp: Tensor, target: Tensor, opts: CrossEntropyOptions, smoothing: number): Tensor {
  const reduction = reductionOf(op, opts.reduction);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new TypeError(`${op}: ignoreIndex must be an integer, got ${describeValue(ignoreIndex)}`);
  const classDim = logp.ndim === 1 ? 0 : 1;
  const classes = logp.shape[classDim]!;
  checkClassWeight(op, opts.weight, classes);
  checkClassTarget(op, logp, target, classDim, ignoreIndex);
  const valid = target.ne(ignoreIndex);
  const safe = where(valid, target, 0);
  const picked = logp.gather(classDim, safe.unsqueeze(classDim)).squeeze(classDim);
  let w = valid.to(logp.dtype);
  if (opts.weight) w = opts.weight.to(logp.dtype).indexSelect(0, safe.reshape([-1])).reshape(target.shape).mul(w);
  const nll = picked.mul(w).neg();
  // With smoothing, each position also pays ε/C times −Σ_c weight_c·log p_c (PyTorch's smooth_loss).
  let smooth: Tensor | null = null;
  if (smoothing > 0) {
    const weighted = opts.weight ? logp.mul(opts.weight.to(logp.dtype).reshape(classShape(logp, classDim))) : logp;
    smooth = weighted.sum(classDim).neg().mul(valid.to(logp.dtype));
  }
  const combine = (a: Tensor, b: Tensor | null): Tensor => (b === null ? a : a.mul(1 - smoothing).add(b.mul(smoothing / classes)));
  if (reduction === 'none') return combine(nll, smooth);
  if (reduction === 'sum') return combine(nll.sum(), smooth?.sum() ?? null);
  const total = w.sum();
  return combine(nll.sum().div(total), smooth?.sum().div(total) ?? null);
}

/** How to make int32 class indices out of labels built as floats (the common mistake). */
const INDEX_HINT = "class indices must be an int32 tensor: convert with target.int() or build them with tensor(labels, { dtype: 'int32' })";

/**
 * A non-int32 target of crossEntropy must be float class probabilities of the input's shape. A float (or
 * bool) target shaped like class indices is the common mistake of labels built as floats: say how to fix it.
 */
function checkProbabilityTarget(op: string, input: Tensor, target: Tensor, classDim: number): void {
  const indexShape = input.shape.filter((_, i) => i !== classDim);
  const shapedLikeIndices = target.shape.length === indexShape.length && target.shape.every((s, i) => s === indexShape[i]);
  if (!isFloat(target.dtype) || shapedLikeIndices) {
    throw new DTypeError(
      `${op}: got a ${target.dtype} target of shape ${fmtShape(target.shape)} for an input of shape ${fmtShape(input.shape)}; ${INDEX_HINT}. ` +
        `A float target must have the input's shape ${fmtShape(input.shape)}: class probabilities`,
    );
  }
}

function checkLogits(op: string, input: Tensor): number {
  checkTensor(op, 'input', input);
  if (!isFloat(input.dtype)) throw new DTypeError(`${op}: expected float logits, got ${input.dtype}`);
  if (input.ndim === 0) throw new ShapeError(`${op}: expected an input [C] or [N, C, …], got a 0-d tensor`);
  return input.ndim === 1 ? 0 : 1;
}

/**
 * Cross-entropy between logits `input` `[N, C, …]` (or `[C]`) and either int32 class indices `[N, …]` or
 * class probabilities of the input's shape, computed from `logSoftmax` so large logits stay finite
 * (PyTorch's `cross_entropy`). Logits `[N, C]` with class indices and no weight, smoothing or ignoreIndex
 * run the fused `crossEntropyIndices` (one kernel pass forward, softmax − one-hot backward).
 * @example
 * crossEntropy(logits, labels)                                  // mean over the batch
 * crossEntropy(logits, labels, { labelSmoothing: 0.1, ignoreIndex: 0 })
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  checkLossOptions(op, opts, ['weight', 'ignoreIndex', 'labelSmoothing']);
  const classDim = checkLogits(op, input);
  checkTensor(op, 'target', target);
  const smoothing = opts.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new RangeError(`${op}: labelSmoothing must be in [0, 1], got ${smoothing}`);
  // The common case, [N, C] logits and plain class indices, runs as one fused op (unless some target is
  // the default ignoreIndex −100, whose rows must drop out of the mean).
  if (target.dtype === 'int32' && input.ndim === 2 && !opts.weight && smoothing === 0 && opts.ignoreIndex === undefined) {
    const reduction = reductionOf(op, opts.reduction);
    if (!checkClassTarget(op, input, target, classDim, -100)) return reduce(crossEntropyIndices(input, target), reduction);
  }
  if (target.dtype !== 'int32') checkProbabilityTarget(op, input, target, classDim);
  const logp = logSoftmax(input, classDim);
  if (target.dtype === 'int32') return classIndexLoss(op, logp, target, opts, smoothing);
  // Probabilities: −Σ_c weight_c·target_c·log p_c per position.
  const reduction = reductionOf(op, opts.reduction);
  if (!shapesEqual(target.shape, input.shape)) {
    throw new ShapeError(`${op}: a probability target must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`);
  }
  if (opts.ignoreIndex !== undefined) throw new RangeError(`${op}: ignoreIndex applies to class-index targets only, not to probabilities`);
  const classes = input.shape[classDim]!;
  checkClassWeight(op, opts.weight, classes);
  const t = smoothing > 0 ? target.mul(1 - smoothing).add(smoothing / classes) : target;
  let prod = logp.mul(t);
  if (opts.weight) prod = prod.mul(opts.weight.reshape(classShape(input, classDim)));
  return reduce(prod.sum(classDim).neg(), reduction);
}

/**
 * Negative log-likelihood of int32 class indices `[N, …]` under log-probabilities `[N, C, …]` (PyTorch's
 * `nll_loss`); `crossEntropy` is `nllLoss(logSoftmax(x, 1), target)`.
 * @example nllLoss(logSoftmax(logits, 1), labels, { weight })
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  checkLossOptions('nllLoss', opts, ['weight', 'ignoreIndex']);
  checkLogits('nllLoss', input);
  checkTensor('nllLoss', 'target', target);
  if (target.dtype !== 'int32') throw new DTypeError(`nllLoss: the target must be int32 class indices, got a ${target.dtype} tensor of shape ${fmtShape(target.shape)}; ${INDEX_HINT}`);
  return classIndexLoss('nllLoss', input, target, opts, 0);
}

/** Mean squared error (x − y)². @example mseLoss(pred, target, { reduction: 'sum' }) */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  checkLossOptions('mseLoss', opts, []);
  checkPair('mseLoss', input, target);
  return reduce(input.sub(target).square(), reductionOf('mseLoss', opts.reduction));
}

/** Mean absolute error |x − y|. @example l1Loss(pred, target) */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  checkLossOptions('l1Loss', opts, []);
  checkPair('l1Loss', input, target);
  return reduce(input.sub(target).abs(), reductionOf('l1Loss', opts.reduction));
}

export interface HuberLossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear. Default 1. */
  delta?: number;
}

/** Huber loss: ½d² for |d| < δ, δ(|d| − ½δ) beyond (d = x − y). @example huberLoss(pred, target, { delta: 0.5 }) */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberLossOptions = {}): Tensor {
  checkLossOptions('huberLoss', opts, ['delta']);
  checkPair('huberLoss', input, target);
  const delta = opts.delta ?? 1;
  if (!(delta > 0)) throw new RangeError(`huberLoss: delta must be positive, got ${delta}`);
  const d = input.sub(target);
  const a = d.abs();
  const loss = where(a.lt(delta), d.square().mul(0.5), a.sub(0.5 * delta).mul(delta));
  return reduce(loss, reductionOf('huberLoss', opts.reduction));
}

export interface SmoothL1LossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear; 0 gives l1Loss. Default 1. */
  beta?: number;
}

/** Smooth L1: ½d²/β for |d| < β, |d| − ½β beyond; Huber loss divided by β. */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1LossOptions = {}): Tensor {
  checkLossOptions('smoothL1Loss', opts, ['beta']);
  checkPair('smoothL1Loss', input, target);
  const beta = opts.beta ?? 1;
  if (!(beta >= 0)) throw new RangeError(`smoothL1Loss: beta must be non-negative, got ${beta}`);
  const reduction = reductionOf('smoothL1Loss', opts.reduction);
  const d = input.sub(target);
  const a = d.abs();
  if (beta === 0) return reduce(a, reduction);
  return reduce(where(a.lt(beta), d.square().mul(0.5 / beta), a.sub(0.5 * beta)), reduction);
}

export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /** Per-element weights, broadcast against the input. */
  weight?: Tensor | null;
}

/** log x clamped below at −100, as PyTorch's BCE, with a finite gradient (0) where x = 0. */
function clampedLog(x: Tensor): Tensor {
  const pos = x.gt(0);
  return where(pos, where(pos, x, 1).log().clamp(-100), -100);
}

/**
 * Binary cross-entropy of probabilities in [0, 1]: −w·(y·log x + (1 − y)·log(1 − x)), with each log
 * clamped at −100 as PyTorch. Prefer `binaryCrossEntropyWithLogits`, which is stable for any logit.
 * @example binaryCrossEntropy(sigmoid(logits), labels)
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BinaryCrossEntropyOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  checkLossOptions(op, opts, ['weight']);
  checkPair(op, input, target);
  if (opts.weight) checkTensor(op, 'weight', opts.weight);
  const reduction = reductionOf(op, opts.reduction);
  const values = input.toTypedArray();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${op}: every input must be a probability in [0, 1], but element ${i} is ${v}; did you mean binaryCrossEntropyWithLogits?`);
  }
  let loss = target.mul(clampedLog(input)).add(target.neg().add(1).mul(clampedLog(input.neg().add(1)))).neg();
  if (opts.weight) loss = loss.mul(opts.weight);
  return reduce(loss, reduction);
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive term, broadcast along the last (class) dim: > 1 raises recall. */
  posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits, (1 − y)·x + (1 + (posWeight − 1)·y)·softplus(−x): stable for any
 * logit, since softplus(−x) = log(1 + e^(−x)) never overflows (PyTorch's `binary_cross_entropy_with_logits`).
 * @example binaryCrossEntropyWithLogits(logits, labels, { posWeight: tensor([3]) })
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkLossOptions(op, opts, ['weight', 'posWeight']);
  checkPair(op, input, target);
  if (opts.weight) checkTensor(op, 'weight', opts.weight);
  if (opts.posWeight) checkTensor(op, 'posWeight', opts.posWeight);
  const reduction = reductionOf(op, opts.reduction);
  const logSigmoidNeg = softplus(input.neg(), { threshold: Infinity }); // −log σ(x), exactly (no linear shortcut)
  const logWeight = opts.posWeight ? opts.posWeight.sub(1).mul(target).add(1) : null;
  let loss = target.neg().add(1).mul(input).add(logWeight ? logWeight.mul(logSigmoidNeg) : logSigmoidNeg);
  if (opts.weight) loss = loss.mul(opts.weight);
  return reduce(loss, reduction);
}

export interface KlDivOptions {
  /** 'batchmean' (sum / batch size) is the true KL divergence; 'mean' averages over every element. Default 'mean', as PyTorch. */
  reduction?: Reduction | 'batchmean';
  /** The target is given as log-probabilities. Default false. */
  logTarget?: boolean;
}

/**
 * Kullback–Leibler divergence KL(target ‖ input) pointwise, with `input` as log-probabilities:
 * target·(log target − input), where 0·log 0 = 0 (PyTorch's `kl_div`).
 * @example klDiv(logSoftmax(logits, 1), probs, { reduction: 'batchmean' })
 */
export function klDiv(input: Tensor, target: Tensor, opts: KlDivOptions = {}): Tensor {
  const op = 'klDiv';
  checkLossOptions(op, opts, ['logTarget']);
  checkPair(op, input, target);
  const reduction = reductionOf(op, opts.reduction, ['mean', 'sum', 'none', 'batchmean']);
  let loss: Tensor;
  if (opts.logTarget) loss = target.exp().mul(target.sub(input));
  else {
    const pos = target.gt(0);
    const tLogT = where(pos, target.mul(where(pos, target, 1).log()), 0);
    loss = tLogT.sub(target.mul(input));
  }
  if (reduction === 'batchmean') return input.ndim === 0 ? loss.sum() : loss.sum().div(input.shape[0]!);
  return reduce(loss, reduction);
}
