// Fused losses. crossEntropyIndices is a primitive with its own kernel: one pass per row gives
// log Σ exp(x) − x[target], where the composed logSoftmax → gather → neg runs several ops and keeps the
// [N, C] log-probabilities for backward. Its backward is written in tensor ops, so it differentiates again.
import { defineOp } from '../autograd/op.js';
import { getBackend } from '../backend/registry.js';
import { isFloat } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { fmtShape } from '../shape.js';
import { checkTensor } from '../check.js';
import type { Tensor } from '../tensor.js';
import { full } from './creation.js';
import { mul } from './elementwise.js';
import { scatterAddTrusted } from './indexing.js';
import { unsqueeze } from './movement.js';
import { contiguousK, empty } from './raw.js';
import { softmax } from './reduce.js';

// ∂ℓᵢ/∂xᵢⱼ = gᵢ·(softmax(xᵢ)ⱼ − [j = tᵢ])
const crossEntropyIndicesOp = defineOp<[Tensor, Tensor], undefined>({
  name: 'crossEntropyIndices',
  forward: (ctx, [x, target]) => {
    ctx.save(x, target);
    const out = empty([x.shape[0]!], x.dtype, 'crossEntropyIndices');
    getBackend().crossEntropy(x, contiguousK(target).storage, out.storage);
    return out;
  },
  backward: (ctx, g) => {
    const [x, target] = ctx.saved as [Tensor, Tensor];
    // softmax(x) minus the one-hot target: −1 added at each row's target (checked in the forward call).
    const minusOne = full([x.shape[0]!, 1], -1, { dtype: x.dtype });
    const delta = scatterAddTrusted(softmax(x, 1), 1, unsqueeze(target, 1), minusOne);
    return [mul(delta, unsqueeze(g, 1)), null];
  },
});

/** How to make class indices from a float or bool target (the common mistake: labels built as float32). */
function indexHint(target: Tensor): string {
  return `; class indices must be an int32 tensor: convert with target.int() or build them with tensor(labels, { dtype: 'int32' })`
    + (isFloat(target.dtype) ? "; a float target of the input's shape [N, C] would be class probabilities, which nn's crossEntropy takes" : '');
}

/**
 * Cross-entropy of logits `input` `[N, C]` against int32 class indices `target` `[N]`, one loss per row:
 * ℓᵢ = log Σⱼ exp(xᵢⱼ) − xᵢ,tᵢ (PyTorch's `cross_entropy(input, target, reduction='none')`), in one kernel
 * pass with the row max subtracted first, so large logits stay finite. Backward: softmax(x) − onehot(t),
 * times the incoming gradient. nn's `crossEntropy` runs on it for plain class-index targets.
 * @example
 * const losses = crossEntropyIndices(logits, labels); // [N]
 * losses.mean().backward();
 */
export function crossEntropyIndices(input: Tensor, target: Tensor): Tensor {
  const op = 'crossEntropyIndices';
  checkTensor(op, 'input', input);
  checkTensor(op, 'target', target);
  if (!isFloat(input.dtype)) throw new DTypeError(`${op}: expected float logits, got ${input.dtype}`);
  if (input.ndim !== 2) throw new ShapeError(`${op}: expected logits of shape [N, C], got ${fmtShape(input.shape)}`);
  if (target.dtype !== 'int32') throw new DTypeError(`${op}: the target must be int32 class indices, got ${target.dtype}${indexHint(target)}`);
  const [n, classes] = input.shape as [number, number];
  if (target.ndim !== 1 || target.shape[0] !== n) {
    throw new ShapeError(`${op}: for logits of shape ${fmtShape(input.shape)} the target must have shape [${n}], got ${fmtShape(target.shape)}`);
  }
  // A device's targets cannot be read here: its crossEntropy kernel checks them (Backend.crossEntropy).
  const values = target.isHost ? contiguousK(target).data : [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v >= classes) throw new RangeError(`${op}: target ${v} (element ${i} of the target) is out of range for ${classes} classes`);
  }
  return crossEntropyIndicesOp([input, target], undefined);
}
