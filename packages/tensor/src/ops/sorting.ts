// Selection by value: topk. The backend finds the indices; the values are a gather, so their gradient (and
// its own gradient) is gather's: each selected element receives the gradient of the place it went to.
import { getBackend } from '../backend/registry.js';
import { checkBool, checkNumber, checkOptions, checkTensor } from '../check.js';
import { DTypeError } from '../errors.js';
import { fmtShape, normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { gather } from './indexing.js';
import { contiguous, transpose } from './movement.js';
import { empty } from './raw.js';
import type { ValuesIndices } from './reduce.js';

export interface TopkOptions {
  /** The dimension to select along (default −1, the last). */
  dim?: number;
  /** The largest elements (default) or the smallest. */
  largest?: boolean;
  /**
   * Best first (default). With false PyTorch leaves the order of the k elements unspecified; Tensile accepts
   * false and returns the same k elements best first, one of the orders PyTorch allows (so compare such
   * results as sets). Values and indices always correspond, and the gradient flows as with true.
   */
  sorted?: boolean;
}

/**
 * The `k` largest (or smallest) elements of `x` along `dim`, with their int32 indices (PyTorch's `topk`).
 * NaN counts as larger than every number. Equal values come in index order.
 * @example
 * const { values, indices } = topk(logits, 5)           // the five best classes per row
 * topk(x, 2, { dim: 0, largest: false })                 // the two smallest per column
 */
export function topk(x: Tensor, k: number, opts: TopkOptions = {}): ValuesIndices {
  checkTensor('topk', 'input', x);
  checkOptions('topk', opts, ['dim', 'largest', 'sorted']);
  const { dim = -1, largest = true, sorted = true } = opts;
  checkNumber('topk', 'k', k);
  checkNumber('topk', 'dim', dim);
  checkBool('topk', 'largest', largest);
  checkBool('topk', 'sorted', sorted);
  if (x.dtype === 'bool') throw new DTypeError('topk: not defined for bool tensors (PyTorch refuses them too); cast with .int() first');
  const d = normalizeDim('topk', dim, x.ndim);
  const size = x.ndim === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > size) {
    throw new RangeError(`topk: k must be an integer in [0, ${size}] (the size of dimension ${d} of the input of shape ${fmtShape(x.shape)}), got ${k}`);
  }
  // A 0-d input is its own top element, for k = 0 too (PyTorch's answer).
  if (x.ndim === 0) return { values: x, indices: empty([], 'int32', 'topk') };
  // Move dim last (a view), find the indices row by row, and move it back.
  const last = x.ndim - 1;
  const moved = d === last ? x : transpose(x, d, last);
  const out = empty([...moved.shape.slice(0, -1), k], 'int32', 'topk');
  getBackend().topk(moved, k, largest, out.storage);
  const indices = d === last ? out : contiguous(transpose(out, d, last));
  return { values: gather(x, d, indices), indices };
}
