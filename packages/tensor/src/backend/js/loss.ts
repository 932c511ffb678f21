import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';

/**
 * Per row of `logits` `[N, C]`: log Σ exp(x) − x[target], with the row max m subtracted first (as `softmax`
 * does, so log-sum-exp = m + log Σ exp(x − m)). The same steps as `logSoftmax` followed by picking and
 * negating the target's entry, so the fused op equals the composed one to the bit.
 */
export function crossEntropy(logits: View, target: Int32Array, out: TypedArray): void {
  const [rows, n] = logits.shape as [number, number];
  const [rs, s] = logits.strides as [number, number];
  const d = logits.storage;
  for (let r = 0, base = logits.offset; r < rows; r++, base += rs) {
    let max = -Infinity;
    for (let i = 0, j = base; i < n; i++, j += s) if (d[j]! > max || d[j]! !== d[j]!) max = d[j]!;
    let sum = 0;
    for (let i = 0, j = base; i < n; i++, j += s) sum += Math.exp(d[j]! - max);
    out[r] = max + Math.log(sum) - d[base + target[r]! * s]!;
  }
}
