// Scaled dot-product attention (PyTorch 2's F.scaled_dot_product_attention) as a composition of tensor
// ops: two batched matmuls, a masked fill or an add, softmax and dropout. Its gradients are those ops' own.
import {
  DTypeError, ShapeError, Tensor, add, broadcastShapes, checkOptions, checkTensor, fmtShape, isFloat, logicalNot, maskedFill, matmul, mul,
  ones, softmax, transpose, triu, type Generator,
} from '@tensile/tensor';
import { dropout } from './functional.js';

export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to `[…, L, S]`. A bool mask says where attention is allowed (true = attend; PyTorch 2's
   * convention, the opposite of `MultiheadAttention`'s); a float mask is added to the scores.
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (default 0), applied whenever it is positive. */
  dropoutP?: number;
  /** Attend only to positions j ≤ i (a lower-triangular mask, aligned at the top-left as PyTorch's). */
  isCausal?: boolean;
  /** The factor of the scores (default 1/√E, E the last dim of `query`). */
  scale?: number | null;
  /** Draws the dropout mask from this generator (default: the one `manualSeed` seeds). */
  generator?: Generator;
}

/**
 * The scores' additive or masking step, shared by `scaledDotProductAttention` and `MultiheadAttention`:
 * `blocked` (true = −∞) and `bias` (added) are each optional and broadcast to the scores.
 * @internal
 */
export interface AttentionMask {
  blocked?: Tensor | null;
  bias?: Tensor | null;
}

/**
 * softmax(q·kᵀ·scale + mask)·v without argument checks; returns the output and the attention weights
 * (after dropout, as PyTorch returns them). @internal
 */
export function attend(q: Tensor, k: Tensor, v: Tensor, scale: number, mask: AttentionMask, dropoutP: number, generator: Generator | undefined): [Tensor, Tensor] {
  let scores = mul(matmul(q, transpose(k, -2, -1)), scale);
  if (mask.bias) scores = add(scores, mask.bias);
  // NOTE: a row with every position blocked is softmax of −∞ only: NaN, as in PyTorch.
  if (mask.blocked) scores = maskedFill(scores, mask.blocked, -Infinity);
  let weights = softmax(scores, -1);
  if (dropoutP > 0) weights = dropout(weights, dropoutP, { training: true, generator });
  return [matmul(weights, v), weights];
}

/** The causal mask's blocked positions: j > i, a bool `[L, S]`. */
export function causalBlocked(l: number, s: number): Tensor {
  return triu(ones([l, s], { dtype: 'bool' }), 1);
}

/**
 * Attention of `query` `[…, L, E]` over `key` `[…, S, E]` and `value` `[…, S, Ev]`: softmax(q·kᵀ·scale + mask)·v,
 * `[…, L, Ev]` (Vaswani et al., 2017; PyTorch 2's `F.scaled_dot_product_attention`, math path). Leading dims
 * broadcast. A bool `attnMask` keeps the positions where it is true; a float one is added to the scores. A row
 * with nothing to attend to gives NaN, as in PyTorch.
 * @example
 * scaledDotProductAttention(q, k, v, { isCausal: true })          // q, k, v: [batch, heads, T, headDim]
 * scaledDotProductAttention(q, k, v, { attnMask: keep, dropoutP: 0.1 })
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts: ScaledDotProductAttentionOptions = {}): Tensor {
  const op = 'scaledDotProductAttention';
  checkTensor(op, 'query', query);
  checkTensor(op, 'key', key);
  checkTensor(op, 'value', value);
  checkOptions(op, opts, ['attnMask', 'dropoutP', 'isCausal', 'scale', 'generator'], { attn_mask: 'attnMask', dropout_p: 'dropoutP', is_causal: 'isCausal' });
  const { attnMask = null, dropoutP = 0, isCausal = false, scale = null, generator } = opts;
  for (const [name, t] of [['query', query], ['key', key], ['value', value]] as const) {
    if (t.ndim < 2) throw new ShapeError(`${op}: ${name} must have at least 2 dimensions ([…, length, features]), got shape ${fmtShape(t.shape)}`);
    if (!isFloat(t.dtype)) throw new DTypeError(`${op}: ${name} must be a float tensor, got ${t.dtype}`);
  }
  if (query.dtype !== key.dtype || query.dtype !== value.dtype) {
    throw new DTypeError(`${op}: query, key and value must have the same dtype, got ${query.dtype}, ${key.dtype} and ${value.dtype}`);
  }
  const [l, e] = query.shape.slice(-2) as [number, number];
  const [s, ek] = key.shape.slice(-2) as [number, number];
  if (ek !== e) throw new ShapeError(`${op}: query and key must have the same last dimension, got query ${fmtShape(query.shape)} and key ${fmtShape(key.shape)} (${e} ≠ ${ek})`);
  if (value.shape[value.ndim - 2] !== s) {
    throw new ShapeError(`${op}: key and value must have the same length (dimension -2), got key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)}`);
  }
  const batch = broadcastShapes(op, broadcastShapes(op, query.shape.slice(0, -2), key.shape.slice(0, -2)), value.shape.slice(0, -2));
  if (typeof dropoutP !== 'number' || !(dropoutP >= 0 && dropoutP <= 1)) throw new RangeError(`${op}: dropoutP must be a number in [0, 1], got ${String(dropoutP)}`);
  if (typeof isCausal !== 'boolean') throw new TypeError(`${op}: isCausal must be true or false, got ${String(isCausal)}`);
  if (scale !== null && (typeof scale !== 'number' || !Number.isFinite(scale))) throw new TypeError(`${op}: scale must be a finite number or null, got ${String(scale)}`);
  const mask: AttentionMask = {};
  if (attnMask !== null) {
    if (!(attnMask instanceof Tensor)) throw new TypeError(`${op}: attnMask must be a Tensor or null, got ${typeof attnMask}`);
    if (isCausal) throw new TypeError(`${op}: pass either attnMask or isCausal, not both (PyTorch refuses both too); fold the causal mask into attnMask`);
    if (attnMask.dtype !== 'bool' && attnMask.dtype !== query.dtype) {
      throw new DTypeError(`${op}: attnMask must be bool (true = attend) or ${query.dtype} like the query (added to the scores), got ${attnMask.dtype}`);
    }
    const scores = [...batch, l, s];
    const joined = broadcastShapes(op, attnMask.shape, scores);
    if (joined.length !== scores.length || joined.some((d, i) => d !== scores[i])) {
      throw new ShapeError(`${op}: attnMask of shape ${fmtShape(attnMask.shape)} does not broadcast to the scores' shape ${fmtShape(scores)}`);
    }
    if (attnMask.dtype === 'bool') mask.blocked = logicalNot(attnMask);
    else mask.bias = attnMask;
  } else if (isCausal) mask.blocked = causalBlocked(l, s);
  return attend(query, key, value, scale ?? 1 / Math.sqrt(e), mask, dropoutP, generator)[0];
}
