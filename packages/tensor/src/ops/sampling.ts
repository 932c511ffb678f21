// Sampling from categorical distributions: multinomial. Like the random creation ops it draws from a seeded
// Generator in JS and records no graph (an index is not differentiable).
import { checkBool, checkNumber, checkOptions, checkTensor, describeValue } from '../check.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { fmtShape } from '../shape.js';
import { Generator, getDefaultGenerator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { empty } from './raw.js';

export interface MultinomialOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
  /** The generator to draw from (default: the global one that `manualSeed` seeds). */
  generator?: Generator;
}

/**
 * `numSamples` category indices (int32) per row of `input`, drawn in proportion to its non-negative weights
 * (PyTorch's `multinomial`; rows need not sum to 1). `input` is 1-d `[C]` (out `[numSamples]`) or 2-d `[N, C]`
 * (out `[N, numSamples]`). Without replacement the draws of a row are distinct and follow sequential sampling
 * without replacement (keys wᵢ/Eᵢ with Eᵢ ~ Exp(1), the largest first, as PyTorch 1.13 computes it); once the
 * positive weights are used up, zero-weight categories come in index order, as in PyTorch.
 * @example
 * multinomial(softmax(logits.div(temperature), -1), 1, { generator }) // next character of a language model
 * multinomial(tensor([1, 1, 2]), 4, { replacement: true })             // e.g. [2, 0, 2, 1]
 */
export function multinomial(input: Tensor, numSamples: number, opts: MultinomialOptions = {}): Tensor {
  checkTensor('multinomial', 'input', input);
  checkOptions('multinomial', opts, ['replacement', 'generator']);
  const { replacement = false, generator } = opts;
  checkBool('multinomial', 'replacement', replacement);
  if (generator !== undefined && !(generator instanceof Generator)) {
    throw new TypeError(`multinomial: generator must be a Generator, got ${describeValue(generator)}`);
  }
  if (!isFloat(input.dtype)) throw new DTypeError(`multinomial: input must be a float tensor of weights, got ${input.dtype}`);
  if (input.ndim !== 1 && input.ndim !== 2) throw new ShapeError(`multinomial: input must be 1-d or 2-d, got shape ${fmtShape(input.shape)}`);
  checkNumber('multinomial', 'numSamples', numSamples);
  if (!Number.isInteger(numSamples) || numSamples <= 0) throw new RangeError(`multinomial: numSamples must be a positive integer, got ${numSamples}`);
  const rows = input.ndim === 1 ? 1 : input.shape[0]!;
  const n = input.shape[input.ndim - 1]!;
  if (n === 0) throw new ShapeError(`multinomial: input of shape ${fmtShape(input.shape)} has no categories`);
  if (!replacement && numSamples > n) {
    throw new RangeError(`multinomial: cannot draw ${numSamples} samples from ${n} categories without replacement; pass { replacement: true }`);
  }
  const w = input.toTypedArray();
  const totals = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = w[r * n + i]!;
      if (!(v >= 0 && v < Infinity)) {
        throw new RangeError(`multinomial: weights must be finite and non-negative, got ${v} at ${input.ndim === 1 ? `index ${i}` : `row ${r}, index ${i}`}`);
      }
      s += v;
    }
    if (!(s > 0)) throw new RangeError(`multinomial: the weights${input.ndim === 1 ? '' : ` of row ${r}`} sum to 0; at least one must be positive`);
    totals[r] = s;
  }
  const g = generator ?? getDefaultGenerator();
  const out = empty(input.ndim === 1 ? [numSamples] : [rows, numSamples], 'int32', 'multinomial');
  const o = out.data as Int32Array;
  const cum = new Float64Array(n);
  const keys = new Float64Array(n);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    if (replacement) {
      let s = 0;
      for (let i = 0; i < n; i++) cum[i] = s += w[base + i]!;
      for (let j = 0; j < numSamples; j++) {
        // The first category whose cumulative weight exceeds u·total (never one of weight 0).
        const u = g.random() * totals[r]!;
        let lo = 0;
        let hi = n - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cum[mid]! > u) hi = mid;
          else lo = mid + 1;
        }
        // (u rounds up to the total with probability ~2⁻⁵³: step back over trailing zero weights.)
        while (w[base + lo] === 0) lo--;
        o[r * numSamples + j] = lo;
      }
    } else {
      for (let i = 0; i < n; i++) {
        keys[i] = w[base + i]! / (-Math.log(1 - g.random()) || Number.MIN_VALUE);
        order[i] = i;
      }
      order.sort((a, b) => keys[b]! - keys[a]! || a - b);
      for (let j = 0; j < numSamples; j++) o[r * numSamples + j] = order[j]!;
    }
  }
  return out;
}
