// Stateless functions behind the layers (PyTorch's torch.nn.functional). Each is a composition of tensor
// ops, so gradients come from the ops' own backwards.
import {
  DTypeError, ShapeError, Tensor, avgPool2d, checkOptions, checkTensor, fmtShape, isFloat, matmul, mul, noGrad, numelOf, rand, reshape,
  shapesEqual, where, gelu as geluExact, tensor, type Generator,
  type Conv2dOptions as TensorConv2dOptions, type PoolOptions as TensorPoolOptions, type AvgPoolOptions as TensorAvgPoolOptions,
  type SoftplusOptions as TensorSoftplusOptions,
} from '@tensile/tensor';
import { affine } from './affine.js';
import { normalizeRows } from './layer-norm-op.js';

export { conv2d, maxPool2d, avgPool2d, relu, leakyRelu, elu, sigmoid, tanh, softplus, softmax, logSoftmax } from '@tensile/tensor';
// Aliases rather than re-exports: re-exported from another package, tsup's declaration bundler emitted these
// as values (`typeof Conv2dOptions`) inside the `F` namespace, which a consumer's tsc rejects.
/** conv2d's options (stride, padding, dilation, groups), as `@tensile/tensor` defines them. */
export type Conv2dOptions = TensorConv2dOptions;
/** maxPool2d's options (stride, padding, dilation, ceilMode), as `@tensile/tensor` defines them. */
export type PoolOptions = TensorPoolOptions;
/** avgPool2d's options (stride, padding, ceilMode, countIncludePad, divisorOverride), as `@tensile/tensor` defines them. */
export type AvgPoolOptions = TensorAvgPoolOptions;
/** softplus's options (beta, threshold), as `@tensile/tensor` defines them. */
export type SoftplusOptions = TensorSoftplusOptions;
export * from './losses.js';

/**
 * `x·Wᵀ + b` over the last dimension: `x` `[…, in]`, `weight` `[out, in]`, `bias` `[out]`.
 * @example linear(x, w, b) // [32, 784] → [32, 128] for w of shape [128, 784]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor('linear', 'input', x);
  checkTensor('linear', 'weight', weight);
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-d [out, in], got shape ${fmtShape(weight.shape)}`);
  const inFeatures = weight.shape[1]!;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(
      `linear: expected the last dimension of the input to be ${inFeatures} (weight of shape ${fmtShape(weight.shape)}), got input of shape ${fmtShape(x.shape)}`,
    );
  }
  if (bias !== undefined && bias !== null) {
    checkTensor('linear', 'bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0]) throw new ShapeError(`linear: bias must have shape [${weight.shape[0]}], got ${fmtShape(bias.shape)}`);
  }
  return affine(x, weight, bias ?? null);
}

/** An output size per spatial dim; `null` keeps the input's size (PyTorch's `None`). */
export type AdaptiveSize = number | readonly [number | null, number | null];

/** `[out, size]` averaging matrix: row i averages input positions ⌊i·size/out⌋ … ⌈(i+1)·size/out⌉ − 1. */
function adaptiveMatrix(size: number, out: number, dtype: Tensor['dtype']): Tensor {
  const m = new Float64Array(out * size);
  for (let i = 0; i < out; i++) {
    const start = Math.floor((i * size) / out);
    const end = Math.ceil(((i + 1) * size) / out);
    for (let j = start; j < end; j++) m[i * size + j] = 1 / (end - start);
  }
  return tensor(m, { shape: [out, size], dtype });
}

/**
 * Average pooling to a fixed output size, with PyTorch's window boundaries (windows may overlap when the
 * size does not divide). Divisible sizes use `avgPool2d`; others multiply by averaging matrices.
 * @example adaptiveAvgPool2d(x, 1) // global average pooling: [N, C, 1, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: AdaptiveSize): Tensor {
  checkTensor('adaptiveAvgPool2d', 'input', x);
  if (x.ndim !== 4) throw new ShapeError(`adaptiveAvgPool2d: expected a 4-d input [N, C, H, W], got shape ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`adaptiveAvgPool2d: expected a float tensor, got ${x.dtype}`);
  const [h, w] = [x.shape[2]!, x.shape[3]!];
  const req = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  const oh = req[0] ?? h;
  const ow = req[1] ?? w;
  if (![oh, ow].every((s) => Number.isInteger(s) && s > 0)) {
    throw new RangeError(`adaptiveAvgPool2d: output size must be positive integers, got ${JSON.stringify(outputSize)}`);
  }
  if (h % oh === 0 && w % ow === 0) {
    const k: [number, number] = [h / oh, w / ow];
    return k[0] === 1 && k[1] === 1 ? x : avgPool2d(x, k);
  }
  // out = P_h · x · P_wᵀ, with the [N, C] dims broadcast as batch dims of the matmuls.
  return matmul(matmul(adaptiveMatrix(h, oh, x.dtype), x), adaptiveMatrix(w, ow, x.dtype).t());
}

/** Flattens dims `startDim…endDim` into one (default: all but the batch dim). */
export function flatten(x: Tensor, startDim = 1, endDim = -1): Tensor {
  checkTensor('flatten', 'input', x);
  return x.flatten(startDim, endDim);
}

/** Splits dim `dim` into `sizes` (one may be −1). @example unflatten(x, 1, [16, 5, 5]) */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  checkTensor('unflatten', 'input', x);
  const d = dim < 0 ? dim + x.ndim : dim;
  if (!Number.isInteger(d) || d < 0 || d >= x.ndim) {
    throw new RangeError(`unflatten: dim ${dim} is out of range for an input of shape ${fmtShape(x.shape)}`);
  }
  const known = numelOf(sizes.filter((s) => s !== -1));
  const free = sizes.filter((s) => s === -1).length;
  const size = x.shape[d]!;
  if (free > 1 || sizes.some((s) => !Number.isInteger(s) || s < -1) || (free === 0 ? known !== size : known === 0 || size % known !== 0)) {
    throw new ShapeError(`unflatten: sizes ${fmtShape(sizes)} do not multiply to ${size}, the size of dimension ${dim} of the input of shape ${fmtShape(x.shape)}`);
  }
  return reshape(x, [...x.shape.slice(0, d), ...sizes, ...x.shape.slice(d + 1)]);
}

export interface DropoutOptions {
  /** Drop only in training (default true); `false` returns the input. */
  training?: boolean;
  generator?: Generator;
}

/**
 * Zeroes each element with probability `p` and scales the rest by 1/(1 − p), so the expectation is
 * unchanged (inverted dropout). The mask comes from the seeded generator.
 * @example dropout(x, 0.5, { training: model.training })
 */
export function dropout(x: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor {
  checkTensor('dropout', 'input', x);
  checkOptions('dropout', opts, ['training', 'generator']);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`dropout: expected a float tensor, got ${x.dtype}`);
  if (opts.training === false || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const keep = noGrad(() => rand(x.shape, { dtype: x.dtype, generator: opts.generator }).ge(p).to(x.dtype).mul(1 / (1 - p)));
  return mul(x, keep);
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with the batch's statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** Running-stat update weight: running ← (1 − momentum)·running + momentum·batch. Default 0.1. */
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation over every dim but the channel dim 1 (Ioffe & Szegedy, 2015):
 * y = (x − mean)/√(var + eps)·weight + bias. In training, mean and the biased variance come from the
 * batch and the running stats (if given) move towards the batch's mean and unbiased variance, in place.
 * @example batchNorm(x, runningMean, runningVar, { weight, bias, training: true })
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  checkTensor('batchNorm', 'input', x);
  checkOptions('batchNorm', opts, ['weight', 'bias', 'training', 'momentum', 'eps'], { running_mean: 'the runningMean argument', running_var: 'the runningVar argument' });
  if (x.ndim < 2) throw new ShapeError(`batchNorm: expected an input [N, C, …] with at least 2 dimensions, got shape ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`batchNorm: expected a float input, got ${x.dtype}`);
  const c = x.shape[1]!;
  const named: [string, Tensor | null | undefined][] = [['runningMean', runningMean], ['runningVar', runningVar], ['weight', opts.weight], ['bias', opts.bias]];
  for (const [name, t] of named) {
    if (t === null || t === undefined) continue;
    checkTensor('batchNorm', name, t);
    if (t.ndim !== 1 || t.shape[0] !== c) throw new ShapeError(`batchNorm: ${name} must have shape [${c}] for an input of shape ${fmtShape(x.shape)}, got ${fmtShape(t.shape)}`);
    if (t.dtype !== x.dtype) throw new DTypeError(`batchNorm: ${name} is ${t.dtype} but the input is ${x.dtype}`);
  }
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const bshape = x.shape.map((s, i) => (i === 1 ? s : 1));
  let mean: Tensor;
  let variance: Tensor;
  if (opts.training) {
    const n = x.numel / Math.max(c, 1);
    if (n <= 1) throw new ShapeError(`batchNorm: expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`);
    mean = x.mean(dims, true);
    variance = x.var(dims, { correction: 0, keepdim: true });
    noGrad(() => {
      if (runningMean) runningMean.mul_(1 - momentum).add_(mean.detach().reshape([c]), momentum);
      // The running variance is the unbiased estimate, as PyTorch.
      if (runningVar) runningVar.mul_(1 - momentum).add_(variance.detach().reshape([c]), (momentum * n) / (n - 1));
    });
  } else {
    if (!runningMean || !runningVar) throw new TypeError('batchNorm: running statistics are needed when not training');
    mean = runningMean.reshape(bshape);
    variance = runningVar.reshape(bshape);
  }
  let y = x.sub(mean).mul(variance.add(eps).rsqrt());
  if (opts.weight) y = y.mul(opts.weight.reshape(bshape));
  if (opts.bias) y = y.add(opts.bias.reshape(bshape));
  return y;
}

export interface LayerNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  eps?: number;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims (Ba et al., 2016):
 * y = (x − mean)/√(var + eps)·weight + bias, with the biased variance.
 * @example layerNorm(x, [512], { weight, bias })
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], opts: LayerNormOptions = {}): Tensor {
  checkTensor('layerNorm', 'input', x);
  checkOptions('layerNorm', opts, ['weight', 'bias', 'eps']);
  if (!isFloat(x.dtype)) throw new DTypeError(`layerNorm: expected a float input, got ${x.dtype}`);
  const k = normalizedShape.length;
  if (k === 0 || x.ndim < k || !shapesEqual(x.shape.slice(x.ndim - k), normalizedShape)) {
    throw new ShapeError(`layerNorm: expected the input's last ${k} dimension${k === 1 ? '' : 's'} to be ${fmtShape(normalizedShape)}, got input of shape ${fmtShape(x.shape)}`);
  }
  for (const [name, t] of [['weight', opts.weight], ['bias', opts.bias]] as const) {
    if (t === null || t === undefined) continue;
    checkTensor('layerNorm', name, t);
    if (!shapesEqual(t.shape, normalizedShape)) throw new ShapeError(`layerNorm: ${name} must have shape ${fmtShape(normalizedShape)}, got ${fmtShape(t.shape)}`);
  }
  let y = normalizeRows(x, numelOf(normalizedShape), opts.eps ?? 1e-5);
  if (opts.weight) y = y.mul(opts.weight);
  if (opts.bias) y = y.add(opts.bias);
  return y;
}

export interface EmbeddingOptions {
  /** Rows looked up at this index get no gradient (their vector stays as it is, usually zeros). */
  paddingIdx?: number | null;
}

/**
 * Looks up rows of `weight` `[num, dim]` at the int32 `indices` (any shape): the output is
 * `[...indices.shape, dim]`.
 * @example embedding(tensor([[1, 2]], { dtype: 'int32' }), weight) // [1, 2, dim]
 */
export function embedding(indices: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  checkTensor('embedding', 'input', indices);
  checkTensor('embedding', 'weight', weight);
  checkOptions('embedding', opts, ['paddingIdx']);
  if (indices.dtype !== 'int32') throw new DTypeError(`embedding: the indices must be an int32 tensor, got ${indices.dtype}`);
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-d [num, dim], got shape ${fmtShape(weight.shape)}`);
  const num = weight.shape[0]!;
  const flat = indices.reshape([-1]);
  const values = flat.toTypedArray();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= num) throw new RangeError(`embedding: index ${v} (element ${i} of the input of shape ${fmtShape(indices.shape)}) is out of range for ${num} embeddings`);
  }
  let rows = weight.indexSelect(0, flat);
  if (opts.paddingIdx !== undefined && opts.paddingIdx !== null) {
    // Same values either way; only the non-padding rows carry the gradient back to weight.
    const keep = flat.ne(opts.paddingIdx).unsqueeze(1);
    rows = where(keep, rows, rows.detach());
  }
  return rows.reshape([...indices.shape, weight.shape[1]!]);
}

export interface GeluOptions {
  /** 'none' (default): x·Φ(x) with erf; 'tanh': ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  approximate?: 'none' | 'tanh';
}

/** GELU (Hendrycks & Gimpel, 2016), exact by default, as PyTorch. */
export function gelu(x: Tensor, opts: GeluOptions = {}): Tensor {
  checkTensor('gelu', 'input', x);
  checkOptions('gelu', opts, ['approximate']);
  const approximate = opts.approximate ?? 'none';
  if (approximate === 'none') return geluExact(x);
  if (approximate !== 'tanh') throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`);
  const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(0.5).mul(inner.tanh().add(1));
}
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from './attention.js';
