// Masking: tril/triu (keep one triangle of the last two dims) and maskedFill (PyTorch's masked_fill).
// Both are one `where` kernel over a bool mask; their backward masks the gradient the same way.
import { defineOp, type OpFn } from '../autograd/op.js';
import { getBackend } from '../backend/registry.js';
import { checkNumber, checkTensor, describeValue } from '../check.js';
import { checkInt32, isFloat } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { broadcastShapes, fmtShape, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { arange } from './creation.js';
import { cast, ge, le, sub, where } from './elementwise.js';
import { expand, reshape } from './movement.js';
import { broadcastView, empty, scalar } from './raw.js';

// d/dx tril(x) = tril(g): the kept elements pass their gradient, the zeroed ones get none (triu alike).
function triangleOp(name: 'tril' | 'triu'): OpFn<[Tensor, Tensor], undefined> {
  const op: OpFn<[Tensor, Tensor], undefined> = defineOp<[Tensor, Tensor]>({
    name,
    forward: (ctx, [x, keep]) => {
      ctx.save(keep);
      const out = empty(x.shape, x.dtype, name);
      getBackend().where(keep, x, broadcastView(scalar(0, x.dtype), x.shape), out);
      return out;
    },
    backward: (ctx, g) => [op([g, ctx.saved[0]!], undefined), null],
  });
  return op;
}
const TRIANGLE = { tril: triangleOp('tril'), triu: triangleOp('triu') };

function triangle(op: 'tril' | 'triu', x: Tensor, diagonal: number): Tensor {
  checkTensor(op, 'input', x);
  checkNumber(op, 'diagonal', diagonal);
  if (!Number.isInteger(diagonal)) throw new RangeError(`${op}: diagonal must be an integer, got ${diagonal}`);
  if (x.ndim < 2) throw new ShapeError(`${op}: input must have at least 2 dimensions, got shape ${fmtShape(x.shape)}`);
  const [m, n] = x.shape.slice(-2) as [number, number];
  // Column minus row: tril keeps j − i ≤ diagonal, triu keeps j − i ≥ diagonal.
  const offset = sub(reshape(arange(n), [1, n]), reshape(arange(m), [m, 1]));
  const keep = op === 'tril' ? le(offset, diagonal) : ge(offset, diagonal);
  return TRIANGLE[op]([x, expand(keep, x.shape)], undefined);
}

/**
 * The lower triangle of the last two dims (`j − i ≤ diagonal`), the rest zero: PyTorch's `tril`. A positive
 * `diagonal` keeps that many diagonals above the main one, a negative one drops that many below it.
 * @example
 * tril(ones([3, 3]))        // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
 * tril(scores, 0)           // a causal mask's shape, on a batch of square matrices
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle('tril', x, diagonal);
}

/**
 * The upper triangle of the last two dims (`j − i ≥ diagonal`), the rest zero: PyTorch's `triu`.
 * @example
 * triu(ones([3, 3]), 1)     // [[0, 1, 1], [0, 0, 1], [0, 0, 0]]: the future positions of a causal mask
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle('triu', x, diagonal);
}

// d/dx = g where the mask is false; d/dvalue = Σ g where it is true (the expand of the 0-d value sums it).
const maskedFillOp = defineOp<[Tensor, Tensor, Tensor]>({
  name: 'maskedFill',
  forward: (ctx, [x, mask, value]) => {
    ctx.save(mask);
    const out = empty(x.shape, x.dtype, 'maskedFill');
    getBackend().where(mask, value, x, out);
    return out;
  },
  backward: (ctx, g) => {
    const mask = ctx.saved[0]!;
    const zero = scalar(0, g.dtype);
    return [ctx.needsInputGrad[0] ? where(mask, zero, g) : null, null, ctx.needsInputGrad[2] ? where(mask, g, zero) : null];
  },
});

/**
 * `x` with `value` wherever the bool `mask` is true (PyTorch's `masked_fill`). `mask` broadcasts with `x`
 * (the result has the broadcast shape); `value` is a number or a 0-d tensor, converted to `x`'s dtype (a
 * 0-d float tensor gets the gradient of the positions it fills).
 * @example
 * maskedFill(scores, triu(ones([t, t]), 1).bool(), -Infinity) // causal attention scores
 * maskedFill(x, x.lt(0), 0)                                    // relu by hand
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  checkTensor('maskedFill', 'input', x);
  checkTensor('maskedFill', 'mask', mask);
  if (mask.dtype !== 'bool') {
    throw new DTypeError(`maskedFill: mask must be a bool tensor, got a ${mask.dtype} tensor of shape ${fmtShape(mask.shape)}; make one with a comparison (x.gt(0)) or .bool()`);
  }
  let v: Tensor;
  if (typeof value === 'number' || typeof value === 'boolean') {
    const n = Number(value);
    if (x.dtype === 'int32') checkInt32('maskedFill', 'value', n);
    v = scalar(n, x.dtype);
  } else if (value instanceof Tensor && value.ndim === 0) {
    if (isFloat(value.dtype) && !isFloat(x.dtype) && value.requiresGrad) {
      throw new DTypeError(`maskedFill: a ${value.dtype} value that requires grad cannot fill a ${x.dtype} tensor (its gradient would be lost)`);
    }
    v = cast(value, x.dtype);
  } else if (value instanceof Tensor) {
    throw new ShapeError(`maskedFill: value must be a number or a 0-d tensor, got a tensor of shape ${fmtShape(value.shape)}`);
  } else {
    throw new TypeError(`maskedFill: value must be a number, a boolean or a 0-d tensor, got ${describeValue(value)}`);
  }
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
  const xs = shapesEqual(x.shape, shape) ? x : expand(x, shape);
  const ms = shapesEqual(mask.shape, shape) ? mask : expand(mask, shape);
  return maskedFillOp([xs, ms, expand(v, shape)], undefined);
}
