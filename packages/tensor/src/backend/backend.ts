import type { DType, TypedArray } from '../dtype.js';
import type { ElementwiseKernel } from '../expr.js';
import type { Shape } from '../shape.js';

/**
 * A strided view of a storage: element `(i0, i1, …)` lives at `offset + Σ ik·strides[k]`.
 * Kernels read inputs and write outputs through views, so they work on non-contiguous tensors and on
 * broadcast operands (stride 0) without copies. `S` is the kind of storage a backend computes on: a typed
 * array for the CPU backends, a handle of its own for a device backend (a GPU's buffer); a `Tensor` is a view
 * of `Storage`, either kind.
 */
export interface View<S = TypedArray> {
  readonly storage: S;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * Elementwise ops of one input. `p`/`q` carry parameters: leakyRelu's slope, elu's alpha, clamp's bounds, pow's
 * exponent, softplus's β and threshold (`βx > q ? x : log(1 + e^(βx))/β`).
 */
export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'sign' | 'square' | 'reciprocal'
  | 'erf' | 'relu' | 'sigmoid' | 'tanh' | 'softplus' | 'gelu' | 'geluGrad'
  | 'leakyRelu' | 'elu' | 'clamp' | 'powScalar' | 'logicalNot';

/**
 * Elementwise ops of two inputs already broadcast to the output's shape. Comparisons write 0/1.
 * `reluGrad` is relu's backward, `b > 0 ? a : 0` (PyTorch's threshold_backward): one pass instead of three.
 */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'reluGrad'
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
 * Average pooling's geometry and divisor rule (PyTorch's): each window's sum is divided by `divisorOverride`
 * when nonzero; else by the window clipped to the padded input (`countIncludePad`) or to the input itself.
 * A window with no input element gives 0.
 */
export interface AvgPool2dGeometry extends Conv2dGeometry {
  readonly countIncludePad: boolean;
  /** 0: none. */
  readonly divisorOverride: number;
}

/**
 * The kernel layer. Kernels fill output buffers; they know nothing of autograd, `Tensor` or `Module`.
 * A faster backend replaces some of them: `{ ...jsBackend, matmul: fastMatmul }`.
 */
export interface Backend<S = TypedArray> {
  readonly name: string;
  /**
   * Where the backend's storage lives: absent for a CPU backend, whose storage is typed arrays (every CPU
   * backend reads every other's); a device backend's name (for example 'webgpu') when its storage is handles
   * only its kernels read. Ops refuse to mix a device's tensors with another's (PyTorch's "same device" rule).
   */
  readonly device?: string;
  /**
   * Storage for a new tensor in the backend's own memory, zero-filled (unless `zeroed` is false: the caller
   * writes every element), or null for an ordinary typed array.
   * Every kernel takes both. `engine`: the autograd engine or an optimizer step is allocating (backward,
   * optimizer pass), whose storage it can often release itself (`release`); the rest is freed when its
   * array is garbage-collected. Absent: tensors live in ordinary typed arrays (the JS backend).
   */
  alloc?(dtype: DType, size: number, engine: boolean, zeroed?: boolean): S | null;
  /** Below this many bytes `alloc` always answers null (so it is not asked). */
  readonly allocMinBytes?: number;
  /** Frees storage `alloc` made, which nothing will read or write again (a no-op for any other array). */
  release?(storage: S): void;
  /**
   * Reads `x`'s elements (row-major) into the plain, contiguous `out` of `x`'s dtype, once every kernel issued
   * before the call has run; resolves when `out` is filled. For a backend that queues its kernels rather than
   * running them at once (a GPU's: the read maps or copies its buffer back), this is how values leave it
   * without blocking (`await t.toTypedArrayAsync()`). Absent: `copy` at once, as the CPU backends do, whose
   * kernels have all run by the time they return.
   */
  read?(x: View<S>, out: TypedArray): Promise<void>;
  /**
   * A device backend's storage holding a copy of `src` (tensors built from JS values: `tensor`, `randn`, …,
   * which fill a typed array first). Absent on CPU backends, whose storage the typed array already is.
   */
  upload?(src: TypedArray): S;
  /** Copies `src` into `dst` element by element (same shape), converting dtypes; to bool means `x != 0`. */
  copy(src: View<S>, dst: View<S>): void;
  /** Writes `value` into every element of `dst`. */
  fill(dst: View<S>, value: number): void;
  unary(op: UnaryOp, x: View<S>, out: View<S>, p?: number, q?: number): void;
  binary(op: BinaryOp, a: View<S>, b: View<S>, out: View<S>): void;
  /** `out = cond ? a : b`, all four of the same shape. */
  where(cond: View<S>, a: View<S>, b: View<S>, out: View<S>): void;
  /** Reduces the last `rank` dims of `x`; `out` is contiguous with one element per leading index. */
  reduce(op: ReduceOp, x: View<S>, rank: number, out: S): void;
  /** Softmax or log-softmax along the last dim of `x` into the contiguous `out`. */
  softmax(op: 'softmax' | 'logSoftmax', x: View<S>, out: S): void;
  /**
   * Cross-entropy of class indices, row by row: `out[i] = log Σⱼ exp(logits[i, j]) − logits[i, target[i]]` for
   * `logits` `[N, C]` (any strides) and `N` int32 targets, each in `[0, C)` (the caller checks), into the contiguous `out` `[N]`.
   * A device backend's targets cannot be read by the caller, so it checks them itself: a target outside
   * `[0, C)` gives NaN in its row.
   */
  crossEntropy(logits: View<S>, target: S, out: S): void;
  /** Matrix product: `a` is `[M, K]`, `b` is `[K, N]` (any strides, transposed included), `out` is contiguous `[M, N]`. */
  matmul(a: View<S>, b: View<S>, out: S): void;
  /**
   * Batched matrix product: `a` is `[B, M, K]`, `b` is `[B, K, N]` (any strides; a stride-0 batch dim repeats
   * one matrix), `out` is contiguous `[B, M, N]`. One call per batch, so a backend can run it without a JS loop.
   * With `checkFinite` (the NaN guard), a backend that has the product at hand where a check costs little (the
   * wasm kernel, in linear memory before copying it out) returns whether all of it is finite; otherwise it
   * returns nothing and the guard checks `out` itself.
   */
  bmm(a: View<S>, b: View<S>, out: S, checkFinite?: boolean): boolean | void;
  /**
   * One group of a convolution: `out[n]` `[M, L]` = `w` `[M, K]` · im2col(`x`)[n] `[K, L]` for `x` `[N, C, H, W]`
   * (C = g.c, K = C·kh·kw, L = oh·ow). `out` is `[N, M, L]` with unit strides in its last two dims.
   */
  conv2d(x: View<S>, w: View<S>, g: Conv2dGeometry, out: View<S>): void;
  /** The adjoint in x: the contiguous image `out` `[N, C, H, W]` = col2im(`w`ᵀ `[K, M]` · `gOut`[n] `[M, L]`). */
  conv2dInputGrad(gOut: View<S>, w: View<S>, g: Conv2dGeometry, out: S): void;
  /** The adjoint in w: the contiguous `out` `[M, K]` = Σₙ `gOut`[n] `[M, L]` · im2col(`x`)[n]ᵀ. */
  conv2dWeightGrad(x: View<S>, gOut: View<S>, g: Conv2dGeometry, out: S): void;
  /** Max pooling; `indices` receives, per output, the flat index `h·W + w` of the maximum in its input plane. */
  maxPool2d(x: View<S>, g: Conv2dGeometry, out: S, indices: S): void;
  /** Average pooling with `g`'s divisor rule. */
  avgPool2d(x: View<S>, g: AvgPool2dGeometry, out: S): void;
  /** The adjoint of avgPool2d: spreads `grad` `[N, C, oh, ow]` into `out` `[N, C, H, W]` (accumulating). */
  avgPool2dBackward(grad: View<S>, g: AvgPool2dGeometry, out: S): void;
  /**
   * Per row of the last dim of `x` (any shape; a 0-d `x` is one row of one), the indices of the `k` largest
   * (`largest`) or smallest elements, best first, into the contiguous `out` `[rows, k]`. NaN ranks above every
   * number, as in PyTorch; equal values keep their index order.
   */
  topk(x: View<S>, k: number, largest: boolean, out: S): void;
  /** `out[…, i, …] = x[…, index[…, i, …], …]` along `dim`; `index` and `out` have the same shape. */
  gather(x: View<S>, dim: number, index: View<S>, out: View<S>): void;
  /** `out[…, index[…, i, …], …] += src[…, i, …]` along `dim`; `index` and `src` have the same shape. */
  scatterAdd(out: View<S>, dim: number, index: View<S>, src: View<S>): void;
  /**
   * One pass of an elementwise expression (`defineElementwise`, expr.ts) over contiguous arrays of one float
   * type and length: `arrays` holds the kernel's written arrays, then its read ones; `scalars` its scalars,
   * in its order. Written arrays are updated in place. A backend may run an expression it recognises (by
   * `kernel.canonical`) with a kernel of its own, and must run any other the way `backend/js/expr.ts` does.
   * With `checkFinite` (the NaN guard), returns whether every value of the first written array is finite,
   * checked where the kernel has them at hand; else returns true.
   */
  elementwise(kernel: ElementwiseKernel, arrays: readonly S[], scalars: readonly number[], checkFinite?: boolean): boolean;
  /**
   * LSTM's pointwise step over rows of `hidden`, all arrays contiguous and of one float type: from the
   * pre-activation gates `xg + hg (+ bias)` `[rows, 4H]` (i, f, g, o; `bias` `[4H]` or null) and `c` `[rows, H]`,
   * writes `acts` = (σ(i), σ(f), tanh(g), σ(o)), `cOut` = σ(f)·c + σ(i)·tanh(g), `tanhC` = tanh(cOut) and
   * `h` = σ(o)·tanh(cOut).
   */
  lstmCell(
    xg: S, hg: S, bias: S | null, c: S, hidden: number, acts: S, cOut: S, tanhC: S, h: S,
  ): void;
  /**
   * The adjoint of `lstmCell` from its `acts`, `c` and `tanhC`: given `dh` (reaching h) and `dc` (reaching cOut
   * from elsewhere), writes the gradients of the pre-activation gates `dGates` `[rows, 4H]` and of c, `dcPrev`.
   */
  lstmCellBackward(
    acts: S, c: S, tanhC: S, dh: S, dc: S, hidden: number, dGates: S, dcPrev: S,
  ): void;
  /** Whether every element of `x` is finite (no NaN, no ±Inf); true for integer and bool views. The NaN guard's check. */
  allFinite(x: View<S>): boolean;
}
