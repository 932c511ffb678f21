// Matrix products with PyTorch's semantics: 1-d operands are promoted and squeezed back, batch dims
// broadcast (as explicit expand views, whose backward sums). The primitive multiplies equal batches.
import { defineOp } from '../autograd/op.js';
import { noteFiniteOutput } from '../autograd/guard.js';
import { guardOn } from '../autograd/instrument.js';
import { getBackend } from '../backend/registry.js';
import { isFloat, promoteTypes } from '../dtype.js';
import { DTypeError, ShapeError } from '../errors.js';
import { broadcastShapes, checkExpandable, fmtShape, numelOf, type Shape } from '../shape.js';
import { checkNumber, checkOptions, checkTensor } from '../check.js';
import type { Tensor } from '../tensor.js';
import { add, cast, mul } from './elementwise.js';
import { expand, reshape, squeeze, sumTo, transpose, unsqueeze } from './movement.js';
import { broadcastView, copyK, empty } from './raw.js';
import { RowIter } from '../backend/iter.js';

/** Whether a matrix (the last two dims) is stored column-major, as the `.t()` view of a row-major one is. */
function columnMajor(t: Tensor): boolean {
  const nd = t.ndim;
  return t.strides[nd - 1] !== 1 && t.strides[nd - 2] === 1 && t.shape[nd - 1]! > 1 && t.shape[nd - 2]! > 1;
}

/**
 * The product of `a` `[…, m, k]` and `b` `[…, k, n]` with equal batch dims, untracked. `note`: tell the NaN
 * guard when the kernel found the product finite (not when the caller goes on to change it).
 */
function product(a: Tensor, b: Tensor, note: boolean): Tensor {
  const nd = a.ndim;
  const [m, k] = [a.shape[nd - 2]!, a.shape[nd - 1]!];
  const n = b.shape[nd - 1]!;
  const batch = a.shape.slice(0, nd - 2);
  const out = empty([...batch, m, n], a.dtype, 'matmul', false); // every element written below
  const kernel = getBackend().bmm;
  // While the NaN guard is on, a kernel that can check its product where it has it at hand says so.
  let finite = guardOn;
  // Walk the batch dims; each run of batches with fixed strides (all of them, for a contiguous or
  // expanded batch) is one batched kernel call.
  const bv = (t: Tensor) => ({ storage: t.storage, shape: batch, strides: t.strides.slice(0, nd - 2), offset: t.offset });
  const runs = (x: Tensor, y: Tensor) => new RowIter(batch, [bv(x), bv(y), { storage: out.storage, shape: batch, strides: out.strides.slice(0, nd - 2), offset: 0 }]);
  let it = runs(a, b);
  if (it.rows > 1) {
    // Batch dims that do not fold into one run, as attention's heads split off a projection ([N, L, H, D]
    // permuted to [N, H, L, D]) are: a contiguous copy of the operand that breaks the run makes the
    // product one kernel call instead of N calls on a few small matrices each.
    const split = (x: Tensor) => new RowIter(batch, [bv(x)]).rows > 1;
    if (split(a)) a = copyK(a);
    if (split(b)) b = copyK(b);
    it = runs(a, b);
  }
  const [sa, sb, so] = it.inner as [number, number, number];
  for (let r = 0; r < it.rows; r++) {
    const [oa, ob, oo] = it.pos as [number, number, number];
    const ok = kernel(
      { storage: a.storage, shape: [it.n, m, k], strides: [sa, a.strides[nd - 2]!, a.strides[nd - 1]!], offset: oa },
      { storage: b.storage, shape: [it.n, k, n], strides: [sb, b.strides[nd - 2]!, b.strides[nd - 1]!], offset: ob },
      // One run (the common case) writes the whole output; several write its consecutive parts.
      it.rows === 1 ? out.storage : out.data.subarray(oo, oo + it.n * m * n),
      guardOn,
    );
    finite = finite && ok === true;
    it.next();
  }
  if (note && finite && it.rows > 0) noteFiniteOutput(out);
  return out;
}

// C = A·B ⇒ dA = G·Bᵀ, dB = Aᵀ·G (transposes are views; the kernel reads them strided). Each gradient is
// made in its input's layout, as PyTorch's mm backward does: for a column-major input (Linear's `weight.t()`)
// it is computed transposed, (B·Gᵀ)ᵀ or (Gᵀ·A)ᵀ, so the transpose's own backward hands the weight a
// contiguous gradient that the engine can adopt instead of copying.
/** The gradients of `a·b` for `g` (null where not needed). */
function productGrads(a: Tensor, b: Tensor, g: Tensor, needs: readonly boolean[]): [Tensor | null, Tensor | null] {
  return [
    !needs[0] ? null
      : columnMajor(a) ? transpose(matmul(b, transpose(g, -1, -2)), -1, -2) : matmul(g, transpose(b, -1, -2)),
    !needs[1] ? null
      : columnMajor(b) ? transpose(matmul(transpose(g, -1, -2), a), -1, -2) : matmul(transpose(a, -1, -2), g),
  ];
}

const bmmOp = defineOp<[Tensor, Tensor]>({
  name: 'matmul',
  forward: (ctx, [a, b]) => {
    // a feeds b's gradient and b feeds a's; each is read for its layout either way.
    ctx.saveChecked((ctx.needsInputGrad[1] ? 1 : 0) | (ctx.needsInputGrad[0] ? 2 : 0), a, b);
    return product(a, b, true);
  },
  backward: (ctx, g) => {
    const [a, b] = ctx.saved as [Tensor, Tensor];
    return productGrads(a, b, g, ctx.needsInputGrad);
  },
});

/**
 * `input + a·b` as one op (PyTorch's addmm/baddbmm with alpha = beta = 1): `input` (broadcast to the
 * product's shape) is added into the product's own buffer, so a Linear layer makes one tensor, not two.
 */
const addProduct = (name: string) => defineOp<[Tensor, Tensor, Tensor], { inputShape: Shape }>({
  name,
  forward: (ctx, [input, a, b]) => {
    ctx.saveChecked((ctx.needsInputGrad[2] ? 1 : 0) | (ctx.needsInputGrad[1] ? 2 : 0), a, b);
    const out = product(a, b, false);
    getBackend().binary('add', out, broadcastView(input, out.shape), out);
    return out;
  },
  backward: (ctx, g) => {
    const [a, b] = ctx.saved as [Tensor, Tensor];
    return [ctx.needsInputGrad[0] ? sumTo(g, ctx.attrs.inputShape) : null, ...productGrads(a, b, g, ctx.needsInputGrad.slice(1))];
  },
});
const addmmOp = addProduct('addmm');
const baddbmmOp = addProduct('baddbmm');

/**
 * Matrix product with PyTorch's `matmul` semantics: vector·vector (dot), matrix·vector, batched
 * products with broadcast batch dims.
 * @example
 * matmul(randn([32, 784]), randn([784, 128])) // [32, 128]
 * matmul(randn([8, 2, 3]), randn([3, 4]))     // [8, 2, 4]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', 'input', a);
  checkTensor('matmul', 'other', b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both arguments need at least 1 dimension, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const ka = a.shape[a.ndim - 1]!;
  const kb = b.ndim === 1 ? b.shape[0]! : b.shape[b.ndim - 2]!;
  if (ka !== kb) {
    throw new ShapeError(`matmul: inner dimensions differ: a has shape ${fmtShape(a.shape)}, b has shape ${fmtShape(b.shape)} (${ka} ≠ ${kb})`);
  }
  const dtype = promoteTypes(a.dtype, b.dtype);
  if (dtype === 'bool') throw new DTypeError('matmul: not defined for two bool tensors (PyTorch refuses it too); cast them with .int() or .float() first');
  let x = cast(a, dtype);
  let y = cast(b, dtype);
  const vecA = x.ndim === 1;
  const vecB = y.ndim === 1;
  if (vecA) x = unsqueeze(x, 0);
  if (vecB) y = unsqueeze(y, 1);
  if (x.ndim > 2 && y.ndim === 2) {
    // A batch times one matrix is one product: fold the batch into the rows, as PyTorch does, so the matrix
    // is packed once and its gradient is one product instead of a batch of products summed by expand's backward.
    const rows = x.shape.slice(0, -1);
    const folded = bmmOp([reshape(x, [numelOf(rows), ka]), y], undefined);
    const out = reshape(folded, [...rows, y.shape[1]!]);
    return vecB ? squeeze(out, -1) : out;
  }
  const batch = broadcastShapes('matmul', x.shape.slice(0, -2), y.shape.slice(0, -2));
  x = expand(x, [...batch, ...x.shape.slice(-2)]);
  y = expand(y, [...batch, ...y.shape.slice(-2)]);
  let out = bmmOp([x, y], undefined);
  if (vecB) out = squeeze(out, -1);
  if (vecA) out = squeeze(out, vecB ? -1 : -2);
  return out;
}


function checkBatches(op: string, b1: Tensor, b2: Tensor): void {
  checkTensor(op, 'batch1', b1);
  checkTensor(op, 'batch2', b2);
  if (b1.ndim !== 3) throw new ShapeError(`${op}: batch1 must be a 3-d tensor, got shape ${fmtShape(b1.shape)}`);
  if (b2.ndim !== 3) throw new ShapeError(`${op}: batch2 must be a 3-d tensor, got shape ${fmtShape(b2.shape)}`);
  const [b, , k] = b1.shape as [number, number, number];
  if (b2.shape[0] !== b || b2.shape[1] !== k) {
    throw new ShapeError(`${op}: batch2 must have shape [${b}, ${k}, n] to multiply batch1 of shape ${fmtShape(b1.shape)}, got ${fmtShape(b2.shape)}`);
  }
  if (b1.dtype !== b2.dtype) throw new DTypeError(`${op}: batch1 and batch2 must have the same dtype (PyTorch does not promote here), got ${b1.dtype} and ${b2.dtype}`);
  if (b1.dtype === 'bool') throw new DTypeError(`${op}: not defined for bool tensors; cast them with .int() or .float() first`);
}

/**
 * Batched matrix product of two 3-d tensors with the same batch size, `[b, n, k]`·`[b, k, m]` → `[b, n, m]`
 * (PyTorch's `bmm`: no broadcasting, no dtype promotion). The whole batch is one backend call.
 * @example
 * bmm(randn([8, 16, 32]), randn([8, 32, 16])) // [8, 16, 16]
 */
export function bmm(batch1: Tensor, batch2: Tensor): Tensor {
  checkBatches('bmm', batch1, batch2);
  return bmmOp([batch1, batch2], undefined);
}

export interface BaddbmmOptions {
  /** The factor of `input` (default 1). With 0, `input` is ignored: its NaN and Inf do not propagate. */
  beta?: number;
  /** The factor of the product (default 1). */
  alpha?: number;
}

/**
 * `beta·input + alpha·(batch1 @ batch2)` (PyTorch's `baddbmm`); `input` broadcasts to the product's shape.
 * @example
 * baddbmm(bias, q, kT, { alpha: 1 / Math.sqrt(d) }) // attention scores with an additive mask or bias
 */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, opts: BaddbmmOptions = {}): Tensor {
  checkTensor('baddbmm', 'input', input);
  checkBatches('baddbmm', batch1, batch2);
  checkOptions('baddbmm', opts, ['beta', 'alpha']);
  const { beta = 1, alpha = 1 } = opts;
  checkNumber('baddbmm', 'beta', beta);
  checkNumber('baddbmm', 'alpha', alpha);
  const shape = [batch1.shape[0]!, batch1.shape[1]!, batch2.shape[2]!];
  checkExpandable('baddbmm', input.shape, shape);
  if (input.dtype !== batch1.dtype) {
    throw new DTypeError(`baddbmm: input and the batches must have the same dtype (PyTorch does not promote here), got ${input.dtype} and ${batch1.dtype}`);
  }
  if (!isFloat(input.dtype) && (!Number.isInteger(alpha) || !Number.isInteger(beta))) {
    throw new TypeError(`baddbmm: alpha and beta must be integers for ${input.dtype} tensors, got alpha=${alpha}, beta=${beta}`);
  }
  return addProductOf(baddbmmOp, input, batch1, batch2, alpha, beta);
}

/** `beta·input + alpha·(a·b)`: one op for alpha = beta = 1 (the common case), else a composition. */
function addProductOf(fused: typeof addmmOp, input: Tensor, a: Tensor, b: Tensor, alpha: number, beta: number): Tensor {
  if (alpha === 1 && beta === 1) return fused([input, a, b], { inputShape: input.shape });
  const prod = bmmOp([a, b], undefined);
  const scaled = alpha === 1 ? prod : mul(prod, alpha);
  if (beta === 0) return scaled;
  return add(beta === 1 ? input : mul(input, beta), scaled);
}

export interface AddmmOptions {
  /** The factor of `input` (default 1). With 0, `input` is ignored: its NaN and Inf do not propagate. */
  beta?: number;
  /** The factor of the product (default 1). */
  alpha?: number;
}

/**
 * `beta·input + alpha·(mat1 @ mat2)` for 2-d `mat1` `[n, m]` and `mat2` `[m, p]` (PyTorch's `addmm`); `input`
 * broadcasts to `[n, p]`. With the default factors it is one op whose output is the product's own buffer,
 * as `F.linear` and `Linear` use it for the bias.
 * @example
 * addmm(bias, x, weight.t()) // x·Wᵀ + b
 */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, opts: AddmmOptions = {}): Tensor {
  checkTensor('addmm', 'input', input);
  checkTensor('addmm', 'mat1', mat1);
  checkTensor('addmm', 'mat2', mat2);
  checkOptions('addmm', opts, ['beta', 'alpha']);
  if (mat1.ndim !== 2) throw new ShapeError(`addmm: mat1 must be a 2-d tensor, got shape ${fmtShape(mat1.shape)}`);
  if (mat2.ndim !== 2) throw new ShapeError(`addmm: mat2 must be a 2-d tensor, got shape ${fmtShape(mat2.shape)}`);
  if (mat1.shape[1] !== mat2.shape[0]) {
    throw new ShapeError(`addmm: mat1 and mat2 shapes cannot be multiplied (${fmtShape(mat1.shape)} and ${fmtShape(mat2.shape)})`);
  }
  const { beta = 1, alpha = 1 } = opts;
  checkNumber('addmm', 'beta', beta);
  checkNumber('addmm', 'alpha', alpha);
  checkExpandable('addmm', input.shape, [mat1.shape[0]!, mat2.shape[1]!]);
  if (mat1.dtype !== mat2.dtype || input.dtype !== mat1.dtype) {
    throw new DTypeError(`addmm: input, mat1 and mat2 must have the same dtype (PyTorch does not promote here), got ${input.dtype}, ${mat1.dtype} and ${mat2.dtype}`);
  }
  if (mat1.dtype === 'bool') throw new DTypeError('addmm: not defined for bool tensors; cast them with .int() or .float() first');
  if (!isFloat(input.dtype) && (!Number.isInteger(alpha) || !Number.isInteger(beta))) {
    throw new TypeError(`addmm: alpha and beta must be integers for ${input.dtype} tensors, got alpha=${alpha}, beta=${beta}`);
  }
  return addProductOf(addmmOp, input, mat1, mat2, alpha, beta);
}
