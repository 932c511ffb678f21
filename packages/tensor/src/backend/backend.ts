import type { TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';

/**
 * A strided view of a typed array: element `(i0, i1, …)` lives at `offset + Σ ik·strides[k]`.
 * Kernels read inputs and write outputs through views, so they work on non-contiguous tensors and on
 * broadcast operands (stride 0) without copies.
 */
export interface View {
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Elementwise ops of one input. `p`/`q` carry a parameter (leakyRelu slope, elu alpha, clamp bounds, pow exponent). */
export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'sign' | 'square' | 'reciprocal'
  | 'erf' | 'relu' | 'sigmoid' | 'tanh' | 'softplus' | 'gelu' | 'geluGrad'
  | 'leakyRelu' | 'elu' | 'clamp' | 'powScalar' | 'logicalNot';

/** Elementwise ops of two inputs already broadcast to the output's shape. Comparisons write 0/1. */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** Reductions over the trailing dimensions of a view. arg* write the flat index within the reduced block. */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

export interface Conv2dGeometry {
  readonly n: number; readonly c: number; readonly h: number; readonly w: number;
  readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number;
  readonly ph: number; readonly pw: number;
  readonly dh: number; readonly dw: number;
  readonly oh: number; readonly ow: number;
}

/**
 * The kernel layer. Kernels fill output buffers; they know nothing of autograd, `Tensor` or `Module`.
 * A faster backend replaces some of them: `{ ...jsBackend, matmul: fastMatmul }`.
 */
export interface Backend {
  readonly name: string;
  /** Copies `src` into `dst` element by element (same shape), converting dtypes; to bool means `x != 0`. */
  copy(src: View, dst: View): void;
  /** Writes `value` into every element of `dst`. */
  fill(dst: View, value: number): void;
  unary(op: UnaryOp, x: View, out: View, p?: number, q?: number): void;
  binary(op: BinaryOp, a: View, b: View, out: View): void;
  /** `out = cond ? a : b`, all four of the same shape. */
  where(cond: View, a: View, b: View, out: View): void;
  /** Reduces the last `rank` dims of `x`; `out` is contiguous with one element per leading index. */
  reduce(op: ReduceOp, x: View, rank: number, out: TypedArray): void;
  /** Softmax or log-softmax along the last dim of `x` into the contiguous `out`. */
  softmax(op: 'softmax' | 'logSoftmax', x: View, out: TypedArray): void;
  /**
   * Batched matrix product: `a` is `[B, M, K]`, `b` is `[B, K, N]` (any strides, including transposed
   * and stride-0 batch), `out` is contiguous `[B, M, N]`.
   */
  matmul(a: View, b: View, out: TypedArray): void;
  /** Unfolds `x` `[N, C, H, W]` into contiguous columns `[N, C·kh·kw, oh·ow]` (zeros where padded). */
  im2col(x: View, g: Conv2dGeometry, out: TypedArray): void;
  /** Adds columns `[N, C·kh·kw, oh·ow]` back into the contiguous image `out` `[N, C, H, W]` (the adjoint of im2col). */
  col2im(cols: TypedArray, g: Conv2dGeometry, out: TypedArray): void;
  /** Max pooling; `indices` receives, per output, the flat index `h·W + w` of the maximum in its input plane. */
  maxPool2d(x: View, g: Conv2dGeometry, out: TypedArray, indices: Int32Array): void;
  /** Average pooling (padding counts toward the divisor, as PyTorch's default `countIncludePad`). */
  avgPool2d(x: View, g: Conv2dGeometry, out: TypedArray): void;
  /** The adjoint of avgPool2d: spreads `grad` `[N, C, oh, ow]` into `out` `[N, C, H, W]` (accumulating). */
  avgPool2dBackward(grad: View, g: Conv2dGeometry, out: TypedArray): void;
  /** `out[…, i, …] = x[…, index[…, i, …], …]` along `dim`; `index` and `out` have the same shape. */
  gather(x: View, dim: number, index: View, out: View): void;
  /** `out[…, index[…, i, …], …] += src[…, i, …]` along `dim`; `index` and `src` have the same shape. */
  scatterAdd(out: View, dim: number, index: View, src: View): void;
}
