// Elementwise ops: each forward beside its backward. Broadcasting happens before the primitive, as
// explicit `expand` views whose backward sums, so no backward here un-broadcasts by hand.
import { defineOp, type OpFn } from '../autograd/op.js';
import { checkNumber, checkOptions, checkTensor, describeValue } from '../check.js';
import { INT32_MAX, INT32_MIN, allocArray, checkInt32, promoteTypes, promoteWithScalar, toFloat, type DType, isFloat } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { broadcastShapes, fmtShape, shapesEqual } from '../shape.js';
import { Tensor, type TensorOrScalar } from '../tensor.js';
import { expand } from './movement.js';
import { COMPARISONS, binaryK, copyK, empty, scalar, unaryK } from './raw.js';
import type { BinaryOp, UnaryOp } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { isGradEnabled } from '../autograd/grad-mode.js';

const SQRT1_2 = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_2PI = 0.3989422804014327;

function checkOperand(op: string, name: string, v: unknown): asserts v is TensorOrScalar {
  if (!(v instanceof Tensor) && typeof v !== 'number') {
    throw new TypeError(`${op}: argument '${name}' must be a Tensor or a number, got ${describeValue(v)}`);
  }
}

/**
 * Promotes and broadcasts two operands (one may be a JS number) to a common dtype and shape. A number that
 * int32 cannot hold meeting an int32 tensor is refused (it would wrap), except by a comparison, which then
 * runs in float64 and gives the exact answer.
 */
export function prepare(op: string, a: TensorOrScalar, b: TensorOrScalar, floatOut = false): [Tensor, Tensor] {
  checkOperand(op, 'input', a);
  checkOperand(op, 'other', b);
  let dtype: DType;
  if (a instanceof Tensor && b instanceof Tensor) dtype = promoteTypes(a.dtype, b.dtype);
  else if (a instanceof Tensor) dtype = promoteWithScalar(a.dtype, b as number);
  else if (b instanceof Tensor) dtype = promoteWithScalar(b.dtype, a);
  else throw new TypeError(`${op}: at least one argument must be a Tensor`);
  if (floatOut) dtype = toFloat(dtype);
  if (dtype === 'int32') dtype = int32Operands(op, a, b);
  let ta = a instanceof Tensor ? cast(a, dtype) : scalar(a, dtype);
  let tb = b instanceof Tensor ? cast(b, dtype) : scalar(b, dtype);
  if (!shapesEqual(ta.shape, tb.shape)) {
    const shape = broadcastShapes(op, ta.shape, tb.shape);
    ta = expand(ta, shape);
    tb = expand(tb, shape);
  }
  return [ta, tb];
}

/** The dtype of int32 operands with a number: int32, or float64 for a comparison with a number past the int32 range. */
function int32Operands(op: string, a: TensorOrScalar, b: TensorOrScalar): DType {
  let dtype: DType = 'int32';
  for (const v of [a, b]) {
    if (typeof v !== 'number' || (v >= INT32_MIN && v <= INT32_MAX)) continue;
    if (COMPARISONS.has(op)) dtype = 'float64';
    else checkInt32(op, 'the number', v);
  }
  return dtype;
}

// Only what backward reads is saved and version-checked, so writing in place to anything else (the output
// of mul, or `b` of `a·b` when only `b` needs a gradient) stays legal, as in PyTorch. `checks(needs)` says
// which of a, b (and the output, with `savesOut`) the wanted gradients read, as `ctx.saveChecked`'s bits.
function binaryOp(
  name: string,
  kernel: BinaryOp,
  savesOut: boolean,
  checks: (needs: readonly boolean[]) => number,
  backward: (a: Tensor, b: Tensor, out: Tensor | undefined, g: Tensor, needs: readonly boolean[]) => (Tensor | null)[],
) {
  return defineOp<[Tensor, Tensor]>({
    name,
    forward: (ctx, [a, b]) => {
      const out = binaryK(kernel, a, b, a.dtype);
      ctx.saveChecked(checks(ctx.needsInputGrad), a, b, savesOut ? out : undefined);
      return out;
    },
    backward: (ctx, g) => {
      const [a, b, out] = ctx.saved as [Tensor, Tensor, Tensor | undefined];
      return backward(a, b, out, g, ctx.needsInputGrad);
    },
  });
}

// d(a ± b) = ±g: nothing needs saving, so add and sub keep no activations alive.
const addOp = defineOp<[Tensor, Tensor]>({
  name: 'add',
  forward: (_ctx, [a, b]) => binaryK('add', a, b, a.dtype),
  backward: (_ctx, g) => [g, g],
});
const subOp = defineOp<[Tensor, Tensor]>({
  name: 'sub',
  forward: (_ctx, [a, b]) => binaryK('sub', a, b, a.dtype),
  backward: (ctx, g) => [g, ctx.needsInputGrad[1] ? neg(g) : null],
});
// d(ab)/da = b, d(ab)/db = a
const mulOp = binaryOp('mul', 'mul', false, (n) => (n[1] ? 1 : 0) | (n[0] ? 2 : 0), (a, b, _o, g, n) => [n[0] ? mul(g, b) : null, n[1] ? mul(g, a) : null]);
// d(a/b)/da = 1/b, d(a/b)/db = −a/b²
const divOp = binaryOp('div', 'div', false, (n) => (n[1] ? 1 : 0) | 2, (a, b, _o, g, n) => [n[0] ? div(g, b) : null, n[1] ? neg(div(mul(g, a), mul(b, b))) : null]);
// d(aᵇ)/da = b·aᵇ⁻¹; d(aᵇ)/db = aᵇ·ln a
// NOTE: at a = 0 with b ≥ 0, ln a = −∞ makes 0·(−∞) = NaN; PyTorch defines that gradient as 0.
const powOp = binaryOp('pow', 'pow', true, (n) => 3 | (n[1] ? 4 : 0), (a, b, out, g, n) => [
  n[0] ? mul(g, mul(b, pow(a, sub(b, 1)))) : null,
  n[1] ? where(logicalAnd(eq(a, 0), ge(b, 0)), 0, mul(g, mul(out!, log(a)))) : null,
]);
// NOTE: where a = b the gradient is split evenly between both, as in PyTorch.
const maximumOp = binaryOp('maximum', 'maximum', false, () => 3, (a, b, _o, g, n) => tieSplit(a, b, g, n, gt));
const minimumOp = binaryOp('minimum', 'minimum', false, () => 3, (a, b, _o, g, n) => tieSplit(a, b, g, n, lt));

function tieSplit(a: Tensor, b: Tensor, g: Tensor, n: readonly boolean[], wins: (x: Tensor, y: Tensor) => Tensor): (Tensor | null)[] {
  const half = mul(g, 0.5);
  const ga = where(wins(a, b), g, where(eq(a, b), half, 0));
  const gb = where(wins(b, a), g, where(eq(a, b), half, 0));
  return [n[0] ? ga : null, n[1] ? gb : null];
}

function compareOp(name: BinaryOp) {
  return defineOp<[Tensor, Tensor]>({ name, forward: (_ctx, [a, b]) => binaryK(name, a, b, 'bool') });
}
const compareOps = {
  eq: compareOp('eq'), ne: compareOp('ne'), lt: compareOp('lt'), le: compareOp('le'), gt: compareOp('gt'), ge: compareOp('ge'),
};

/**
 * `input + alpha·other`, broadcasting, with PyTorch's type promotion (a JS number does not widen a tensor).
 * @example
 * add(tensor([1, 2]), 1)                  // tensor([2, 3])
 * add(tensor([[1], [2]]), tensor([10, 20])) // shape [2, 2]
 */
export function add(input: TensorOrScalar, other: TensorOrScalar, alpha = 1): Tensor {
  return addOp(scaledOperands('add', input, other, alpha), undefined);
}

/** `input − alpha·other`, broadcasting. */
export function sub(input: TensorOrScalar, other: TensorOrScalar, alpha = 1): Tensor {
  const operands = scaledOperands('sub', input, other, alpha);
  if (operands[0].dtype === 'bool') {
    throw new DTypeError('sub: subtracting two bool tensors is not supported; use logicalNot() to invert a mask');
  }
  return subOp(operands, undefined);
}

/**
 * `input` and `alpha·other`, promoted and broadcast. As PyTorch, integer operands take only an integer
 * alpha (a fractional one would silently turn the result into floats), and bool operands none but 1.
 */
function scaledOperands(op: string, input: TensorOrScalar, other: TensorOrScalar, alpha: number): [Tensor, Tensor] {
  const operands = prepare(op, input, other);
  if (alpha === 1) return operands;
  if (typeof alpha !== 'number') throw new TypeError(`${op}: alpha must be a number, got ${describeValue(alpha)}`);
  const dtype = operands[0].dtype;
  if (dtype === 'bool') throw new DTypeError(`${op}: alpha must be 1 for bool operands, got ${alpha}`);
  if (dtype === 'int32') {
    if (!Number.isInteger(alpha)) throw new DTypeError(`${op}: alpha must be an integer for int32 operands, got ${alpha}; cast an operand to float first`);
    checkInt32(op, 'alpha', alpha);
  }
  // A number operand is scaled before it meets the tensor, so its range is checked once more.
  return typeof other === 'number' ? prepare(op, input, other * alpha) : [operands[0], mul(operands[1], alpha)];
}

/** Elementwise product, broadcasting. @example mul(x, 2) */
export function mul(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return mulOp(prepare('mul', input, other), undefined);
}

/** True division (ints give float32, as PyTorch's `/`). @example div(x, 2) */
export function div(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return divOp(prepare('div', input, other, true), undefined);
}

const NEGATIVE_INT_POWER = 'pow: Integers to negative integer powers are not allowed.';

/**
 * `input ** exponent`; a number exponent uses a faster primitive. An int32 (or bool) base with a negative
 * integer exponent is refused: the result is not an integer (cast the base to float first). PyTorch refuses
 * it for a number exponent only; with a tensor exponent it silently truncates (2 ** -1 = 0), which Tensile
 * refuses too.
 * @example pow(x, 2)
 */
export function pow(input: TensorOrScalar, exponent: TensorOrScalar): Tensor {
  if (input instanceof Tensor && typeof exponent === 'number') {
    const x = cast(input, promoteWithScalar(input.dtype, exponent));
    if (!isFloat(x.dtype) && exponent < 0) {
      throw new DTypeError(`${NEGATIVE_INT_POWER} (a ${input.dtype} tensor to the power ${exponent}; use x.float().pow(${exponent}))`);
    }
    return powScalarOp([x], exponent);
  }
  const [a, b] = prepare('pow', input, exponent);
  if (!isFloat(b.dtype) && b.numel > 0) {
    const lo = extremes(b)[0];
    if (lo < 0) throw new DTypeError(`${NEGATIVE_INT_POWER} (a ${b.dtype} exponent holds ${lo}; cast the base to float first)`);
  }
  return powOp([a, b], undefined);
}

/** The smallest and largest element of a non-empty `x` (NaN when it holds one), by the backend's reduce kernel. */
function extremes(x: Tensor): [number, number] {
  const view = { storage: x.storage, shape: x.shape, strides: x.strides, offset: x.offset };
  const lo = allocArray(x.dtype, 1);
  const hi = allocArray(x.dtype, 1);
  getBackend().reduce('min', view, x.ndim, lo);
  getBackend().reduce('max', view, x.ndim, hi);
  return [lo[0]!, hi[0]!];
}

// d(xᵖ)/dx = p·xᵖ⁻¹
const powScalarOp = defineOp<[Tensor], number>({
  name: 'pow',
  forward: (ctx, [x]) => ctx.save(x) && unaryK('powScalar', x, x.dtype, ctx.attrs),
  backward: (ctx, g) => {
    const p = ctx.attrs;
    return [p === 0 ? mul(g, 0) : mul(g, mul(pow(ctx.saved[0]!, p - 1), p))];
  },
});

/** Elementwise maximum (NaN propagates). */
export function maximum(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return maximumOp(prepare('maximum', input, other), undefined);
}

/** Elementwise minimum (NaN propagates). */
export function minimum(input: TensorOrScalar, other: TensorOrScalar): Tensor {
  return minimumOp(prepare('minimum', input, other), undefined);
}

/** Elementwise `input == other` as a bool tensor. */
export function eq(input: TensorOrScalar, other: TensorOrScalar): Tensor { return compareOps.eq(prepare('eq', input, other), undefined); }
/** Elementwise `input != other` as a bool tensor. */
export function ne(input: TensorOrScalar, other: TensorOrScalar): Tensor { return compareOps.ne(prepare('ne', input, other), undefined); }
/** Elementwise `input < other` as a bool tensor. */
export function lt(input: TensorOrScalar, other: TensorOrScalar): Tensor { return compareOps.lt(prepare('lt', input, other), undefined); }
/** Elementwise `input <= other` as a bool tensor. */
export function le(input: TensorOrScalar, other: TensorOrScalar): Tensor { return compareOps.le(prepare('le', input, other), undefined); }
/** Elementwise `input > other` as a bool tensor. */
export function gt(input: TensorOrScalar, other: TensorOrScalar): Tensor { return compareOps.gt(prepare('gt', input, other), undefined); }
/** Elementwise `input >= other` as a bool tensor. */
export function ge(input: TensorOrScalar, other: TensorOrScalar): Tensor { return compareOps.ge(prepare('ge', input, other), undefined); }

/** Elementwise logical and of two tensors (nonzero is true). */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  checkTensor('logicalAnd', 'input', a);
  checkTensor('logicalAnd', 'other', b);
  return ne(mul(cast(a, 'bool'), cast(b, 'bool')), 0);
}

const notOp = defineOp<[Tensor]>({ name: 'logicalNot', forward: (_ctx, [x]) => unaryK('logicalNot', x, 'bool') });
/** Elementwise logical not (nonzero is true). */
export function logicalNot(x: Tensor): Tensor {
  return notOp([x], undefined);
}

function unaryOp(name: string, kernel: UnaryOp, saves: 'x' | 'y', backward: (g: Tensor, saved: Tensor, p: number) => Tensor, floatOnly = true) {
  const op = defineOp<[Tensor], number>({
    name,
    forward: (ctx, [x]) => {
      const y = unaryK(kernel, x, x.dtype, ctx.attrs);
      ctx.save(saves === 'x' ? x : y);
      return y;
    },
    backward: (ctx, g) => [backward(g, ctx.saved[0]!, ctx.attrs)],
  });
  return (x: Tensor, p = 0): Tensor => {
    checkTensor(name, 'input', x);
    return op([floatOnly ? cast(x, toFloat(x.dtype)) : x], p);
  };
}

const negOp = unaryOp('neg', 'neg', 'x', (g) => neg(g), false);
const expOp = unaryOp('exp', 'exp', 'y', (g, y) => mul(g, y)); // d/dx eˣ = eˣ
const logOp = unaryOp('log', 'log', 'x', (g, x) => div(g, x)); // d/dx ln x = 1/x
const sqrtOp = unaryOp('sqrt', 'sqrt', 'y', (g, y) => div(g, mul(y, 2))); // d/dx √x = 1/(2√x)
const rsqrtOp = unaryOp('rsqrt', 'rsqrt', 'y', (g, y) => mul(g, mul(pow(y, 3), -0.5))); // d/dx x^(−½) = −½·x^(−3/2) = −½y³
const absOp = unaryOp('abs', 'abs', 'x', (g, x) => mul(g, sign(x)), false); // d/dx |x| = sign x (0 at 0, as PyTorch)
const signOp = unaryOp('sign', 'sign', 'x', (g) => mul(g, 0), false); // flat everywhere but 0
const squareOp = unaryOp('square', 'square', 'x', (g, x) => mul(g, mul(x, 2)), false); // d/dx x² = 2x
const reciprocalOp = unaryOp('reciprocal', 'reciprocal', 'y', (g, y) => neg(mul(g, mul(y, y)))); // d/dx 1/x = −1/x²
// d/dx erf x = (2/√π)·e^(−x²)
const erfOp = unaryOp('erf', 'erf', 'x', (g, x) => mul(g, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI)));
// NOTE: relu's gradient at exactly 0 is 0 (PyTorch's choice), so the mask is taken from y > 0. The backward
// is one kernel, g where y > 0 else 0 (PyTorch's threshold_backward), instead of gt, a cast and mul; it is
// linear in g, so its own gradient is itself, and flat in y.
const reluGradOp: OpFn<[Tensor, Tensor], undefined> = defineOp<[Tensor, Tensor]>({
  name: 'reluGrad',
  forward: (ctx, [g, y]) => {
    ctx.save(y);
    return binaryK('reluGrad', g, y, g.dtype);
  },
  backward: (ctx, gg) => [ctx.needsInputGrad[0] ? reluGradOp([gg, ctx.saved[0]!], undefined) : null, null],
});
const reluOp = unaryOp('relu', 'relu', 'y', (g, y) => reluGradOp([g, y], undefined), false);
// d/dx leakyRelu = 1 for x > 0, slope otherwise
const leakyReluOp = unaryOp('leakyRelu', 'leakyRelu', 'x', (g, x, slope) => where(gt(x, 0), g, mul(g, slope)));
// d/dx elu = 1 for x > 0, α·eˣ = y + α otherwise
const eluOp = unaryOp('elu', 'elu', 'x', (g, x, alpha) => mul(g, where(gt(x, 0), 1, mul(exp(x), alpha))));
// d/dx σ(x) = σ(x)(1 − σ(x))
const sigmoidOp = unaryOp('sigmoid', 'sigmoid', 'y', (g, y) => mul(g, mul(y, sub(1, y))));
// d/dx tanh x = 1 − tanh² x
const tanhOp = unaryOp('tanh', 'tanh', 'y', (g, y) => mul(g, sub(1, mul(y, y))));
// d/dx x·Φ(x) = Φ(x) + x·φ(x): one geluGrad kernel and a mul into its buffer when no graph is being built,
// else written with ops so it can be differentiated again
const geluOp = unaryOp('gelu', 'gelu', 'x', (g, x) => {
  if (!isGradEnabled()) {
    const d = unaryK('geluGrad', x);
    if (g.dtype !== d.dtype || !shapesEqual(g.shape, d.shape)) return mul(g, d);
    getBackend().binary('mul', g, d, d);
    return d;
  }
  const cdf = mul(add(erf(mul(x, SQRT1_2)), 1), 0.5);
  const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
  return mul(g, add(cdf, mul(x, pdf)));
});

/** −x. A bool tensor is refused, as PyTorch: to invert a mask use `logicalNot`. */
export function neg(x: Tensor): Tensor {
  checkTensor('neg', 'input', x);
  if (x.dtype === 'bool') {
    throw new DTypeError(`neg: negation of a bool tensor (shape ${fmtShape(x.shape)}) is not supported; to invert a mask use logicalNot()`);
  }
  return negOp(x);
}
/** eˣ. */
export function exp(x: Tensor): Tensor { return expOp(x); }
/** Natural logarithm. */
export function log(x: Tensor): Tensor { return logOp(x); }
/** √x. */
export function sqrt(x: Tensor): Tensor { return sqrtOp(x); }
/** 1/√x. */
export function rsqrt(x: Tensor): Tensor { return rsqrtOp(x); }
/** |x|. */
export function abs(x: Tensor): Tensor { return absOp(x); }
/** −1, 0 or 1 (gradient 0). */
export function sign(x: Tensor): Tensor { return signOp(x); }
/** x². */
export function square(x: Tensor): Tensor { return squareOp(x); }
/** 1/x. */
export function reciprocal(x: Tensor): Tensor { return reciprocalOp(x); }
/** The error function, accurate to float64 precision. */
export function erf(x: Tensor): Tensor { return erfOp(x); }
/** max(x, 0). @example relu(tensor([-1, 2])) // tensor([0, 2]) */
export function relu(x: Tensor): Tensor { return reluOp(x); }
/** x for x > 0, `negativeSlope`·x otherwise (default 0.01, as PyTorch). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkNumber('leakyRelu', 'negativeSlope', negativeSlope);
  return leakyReluOp(x, negativeSlope);
}
/** x for x > 0, α(eˣ − 1) otherwise (default α = 1). */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkNumber('elu', 'alpha', alpha);
  return eluOp(x, alpha);
}
/** 1/(1 + e⁻ˣ), stable for large |x|. */
export function sigmoid(x: Tensor): Tensor { return sigmoidOp(x); }
/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor { return tanhOp(x); }
/** The exact GELU x·Φ(x) = ½x(1 + erf(x/√2)), PyTorch's default (not the tanh approximation). */
export function gelu(x: Tensor): Tensor { return geluOp(x); }
// d/dx (1/β)·log(1 + e^(βx)) = σ(βx) below the threshold; above it the function is x, of slope 1.
const softplusOp = defineOp<[Tensor], [number, number]>({
  name: 'softplus',
  forward: (ctx, [x]) => ctx.save(x) && unaryK('softplus', x, x.dtype, ctx.attrs[0], ctx.attrs[1]),
  backward: (ctx, g) => {
    const [beta, threshold] = ctx.attrs;
    const x = ctx.saved[0]!;
    const bx = beta === 1 ? x : mul(x, beta);
    return [mul(g, threshold === Infinity ? sigmoid(bx) : where(gt(bx, threshold), 1, sigmoid(bx)))];
  },
});

export interface SoftplusOptions {
  /** Default 1. */
  beta?: number;
  /** Where β·x exceeds it the result is x itself (default 20, as PyTorch); `Infinity` never switches. */
  threshold?: number;
}

/**
 * (1/β)·log(1 + e^(βx)), stable for large |x|, and x itself where βx > threshold (PyTorch's
 * `F.softplus(x, beta=1, threshold=20)`).
 * @example softplus(x, { beta: 2, threshold: 10 })
 */
export function softplus(x: Tensor, opts?: SoftplusOptions): Tensor {
  checkTensor('softplus', 'input', x);
  checkOptions('softplus', opts, ['beta', 'threshold']);
  const beta = opts?.beta ?? 1;
  const threshold = opts?.threshold ?? 20;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta === 0) throw new RangeError(`softplus: beta must be a finite nonzero number, got ${describeValue(beta)}`);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new RangeError(`softplus: threshold must be a number, got ${describeValue(threshold)}`);
  return softplusOp([cast(x, toFloat(x.dtype))], [beta, threshold]);
}

// NOTE: the gradient passes where min ≤ x ≤ max, bounds included, as in PyTorch.
const clampOp = defineOp<[Tensor], [number, number]>({
  name: 'clamp',
  forward: (ctx, [x]) => ctx.save(x) && unaryK('clamp', x, x.dtype, ctx.attrs[0], ctx.attrs[1]),
  backward: (ctx, g) => {
    const x = ctx.saved[0]!;
    const [lo, hi] = ctx.attrs;
    return [mul(g, logicalAnd(ge(x, lo), le(x, hi)))];
  },
});

/** Clamps into `[min, max]`; either bound may be omitted (null/undefined). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  checkTensor('clamp', 'input', x);
  return clampOp([x], clampBounds('clamp', min, max));
}

/**
 * The `[lo, hi]` a clamp applies: at least one bound, each a number, NaN refused. With min > max every
 * element becomes max, as PyTorch's min(max(x, min), max) gives.
 */
export function clampBounds(op: string, min: unknown, max: unknown): [number, number] {
  const none = (v: unknown) => v === undefined || v === null;
  if (none(min) && none(max)) throw new TypeError(`${op}: at least one of min and max must be given`);
  if (!none(min)) checkNumber(op, 'min', min);
  if (!none(max)) checkNumber(op, 'max', max);
  const lo = (min as number | null | undefined) ?? -Infinity;
  const hi = (max as number | null | undefined) ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw new RangeError(`${op}: min and max must not be NaN, got min ${lo}, max ${hi}`);
  return [Math.min(lo, hi), hi];
}

const whereOp = defineOp<[Tensor, Tensor, Tensor]>({
  name: 'where',
  forward: (ctx, [c, a, b]) => {
    ctx.save(c);
    const out = empty(a.shape, a.dtype, 'where');
    getBackend().where(c, a, b, out);
    return out;
  },
  backward: (ctx, g) => {
    const c = ctx.saved[0]!;
    const zero = scalar(0, g.dtype);
    return [null, ctx.needsInputGrad[1] ? where(c, g, zero) : null, ctx.needsInputGrad[2] ? where(c, zero, g) : null];
  },
});

/**
 * `condition ? input : other` elementwise, broadcasting all three; `condition` must be a bool tensor.
 * `input` and `other` may both be numbers: the result is float32 when either is fractional, else int32
 * (PyTorch: the default float dtype, else int64).
 * @example where(x.gt(0), x, 0)
 */
export function where(condition: Tensor, input: TensorOrScalar, other: TensorOrScalar): Tensor {
  checkTensor('where', 'condition', condition);
  if (condition.dtype !== 'bool') {
    throw new DTypeError(
      `where: the condition must be a bool tensor, got a ${condition.dtype} tensor of shape ${fmtShape(condition.shape)}; make one with a comparison (x.gt(0)) or .bool()`,
    );
  }
  let a: Tensor;
  let b: Tensor;
  if (typeof input === 'number' && typeof other === 'number') {
    const dtype: DType = Number.isInteger(input) && Number.isInteger(other) ? 'int32' : 'float32';
    if (dtype === 'int32') {
      checkInt32('where', 'the number', input);
      checkInt32('where', 'the number', other);
    }
    [a, b] = [scalar(input, dtype), scalar(other, dtype)];
  } else [a, b] = prepare('where', input, other);
  const cond = condition;
  let shape = broadcastShapes('where', cond.shape, a.shape);
  const c = shapesEqual(cond.shape, shape) ? cond : expand(cond, shape);
  return whereOp([c, shapesEqual(a.shape, shape) ? a : expand(a, shape), shapesEqual(b.shape, shape) ? b : expand(b, shape)], undefined);
}

// d/dx cast(x) = cast back to x's dtype
const castOp = defineOp<[Tensor], DType>({
  name: 'to',
  forward: (ctx, [x]) => copyK(x, ctx.attrs, 'to'),
  backward: (ctx, g) => [g],
});

/** Throws a RangeError when the float tensor `x` holds a NaN, ±Inf or a value past the int32 range, which int32 cannot take. */
export function checkFitsInt32(op: string, x: Tensor): void {
  if (!isFloat(x.dtype) || x.numel === 0) return;
  const [lo, hi] = extremes(x);
  const bad = Number.isNaN(lo) ? lo : Math.trunc(lo) < INT32_MIN ? lo : Math.trunc(hi) > INT32_MAX ? hi : null;
  if (bad !== null) {
    throw new RangeError(
      `${op}: cannot convert a ${x.dtype} tensor of shape ${fmtShape(x.shape)} to int32: it holds ${bad}, outside the int32 range [${INT32_MIN}, ${INT32_MAX}]; clamp it or keep a float dtype`,
    );
  }
}

/**
 * Converts `x` to `dtype`; returns `x` itself when it already has that dtype. Floats become int32 by
 * truncation toward zero; a NaN, ±Inf or value past the int32 range is refused (PyTorch leaves it undefined).
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor('to', 'input', x);
  if (x.dtype === dtype) return x;
  if (!['float32', 'float64', 'int32', 'bool'].includes(dtype)) {
    throw new DTypeError(`to: unknown dtype ${String(dtype)}; expected float32, float64, int32 or bool`);
  }
  if (dtype === 'int32') checkFitsInt32('to', x);
  if (!isFloat(dtype) && x.requiresGrad) {
    // Allowed (PyTorch allows it too); the result simply does not require grad.
    return castOp([x.detach()], dtype);
  }
  return castOp([x], dtype);
}
