import type { Node } from './autograd/op.js';
import { backward as runBackward, type BackwardOptions } from './autograd/engine.js';
import { isGradEnabled } from './autograd/grad-mode.js';
import { RemovableHandle, type TensorHook } from './autograd/hooks.js';
import { dtypeOfArray, isFloat, releaseStorage, type DType, type TypedArray } from './dtype.js';
import { AutogradError, DTypeError, DeviceError } from './errors.js';
import { formatTensor } from './format.js';
import { contiguousStrides, fmtShape, isContiguous, numelOf, type Shape } from './shape.js';
import { checkLayout, VersionCounter, type Storage } from './storage.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as mv from './ops/movement.js';
import * as ix from './ops/indexing.js';
import * as ip from './ops/inplace.js';
import { baddbmm, bmm, matmul, type BaddbmmOptions } from './ops/matmul.js';
import * as mk from './ops/masking.js';
import { topk, type TopkOptions } from './ops/sorting.js';
import { multinomial, type MultinomialOptions } from './ops/sampling.js';
import type { ValuesIndices } from './ops/reduce.js';
import { toNested } from './ops/creation.js';

/** The error of a synchronous read (`what`) of a device backend's tensor, naming the read that works. */
export function onDevice(t: { readonly storage: Storage; readonly dtype: DType; readonly shape: Shape }, what: string, instead: string): DeviceError {
  const device = (t.storage as { device?: string }).device ?? 'a device';
  return new DeviceError(
    `${what}: this ${t.dtype} tensor of shape ${fmtShape(t.shape)} lives on ${device}, whose values cannot be read synchronously; use ${instead}`,
  );
}

/** `item`'s and `itemAsync`'s error for a tensor of more or fewer than one element. */
const notOneElement = (op: string, shape: Shape) =>
  new RangeError(`${op}: only a one-element tensor can be converted to a number, got shape ${fmtShape(shape)}`);

/** A scalar operand where PyTorch accepts a Python number. */
export type Scalar = number;
export type TensorOrScalar = Tensor | number;

/**
 * An n-dimensional array: a strided view (`shape`, `strides`, `offset`) of a storage shared with other
 * views: a typed array on the CPU backends, a device backend's handle otherwise (`storage`). Tensors that
 * require grad record the ops applied to them, and `backward()` fills `.grad`.
 * Methods are one-line delegates to the op functions of the same name.
 * @example
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.mul(x).sum().backward(); // x.grad = 2x
 */
export class Tensor {
  /** Where the elements live, shared by views: a typed array, or a device backend's `DeviceStorage`. */
  readonly storage: Storage;
  // `storage` when it is a typed array, else null: what `data` returns, checked with one comparison.
  private readonly _host: TypedArray | null;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  private _grad: Tensor | null = null;
  // Whether _grad's storage was made by the engine in backward and nothing outside the engine has read it
  // since (the `grad` getter clears it): then replacing the gradient frees its storage at once.
  private _gradPrivate = false;
  private _requiresGrad = false;
  private _node: Node | null = null;
  private _retainsGrad = false;
  private _hooks: TensorHook[] | null = null;

  // The storage's version counter, shared by every view of it; made on first use, since most tensors are
  // never viewed, saved for backward or written in place.
  private _versionCounter: VersionCounter | null;

  /**
   * A view of `data`: `shape`, row-major `strides` unless given, starting at `offset`. The buffer must hold
   * every element the view reaches. A tensor made this way has a storage of its own for version counting
   * (as PyTorch's `torch.frombuffer`); views made by tensor ops share their base's.
   * @example new Tensor(new Float64Array([1, 2, 3, 4]), [2, 2]) // tensor([[1, 2], [3, 4]])
   */
  constructor(data: Storage, shape: Shape, strides?: readonly number[], offset = 0, versionCounter?: VersionCounter | null) {
    this.storage = data;
    this._host = ArrayBuffer.isView(data) ? data : null;
    this.shape = shape;
    this.strides = strides ?? contiguousStrides(shape);
    this.offset = offset;
    this.dtype = this._host !== null ? dtypeOfArray(this._host) : (data as { dtype: DType }).dtype;
    // `versionCounter` is internal: ops pass their input's counter for a view, or null for a buffer they
    // just allocated, and skip the layout check; a user's buffer is checked.
    if (versionCounter === undefined) checkLayout(data, shape, this.strides, offset);
    this._versionCounter = versionCounter ?? null;
  }

  /**
   * The typed array holding the elements (shared by views; element `(i, j, …)` is at `offset + Σ index·stride`),
   * for tensors of the CPU backends. A device backend's tensor has none: reading it throws a `DeviceError`
   * (read such a tensor with `await t.toTypedArrayAsync()`).
   */
  get data(): TypedArray {
    const h = this._host;
    if (h === null) throw onDevice(this, 'data', 'await t.toTypedArrayAsync()');
    return h;
  }

  /** Whether the elements are in a typed array (`data`), as on every CPU backend. */
  get isHost(): boolean {
    return this._host !== null;
  }

  /** The storage's version counter, shared by every view of it (see `version`). */
  get versionCounter(): VersionCounter {
    return (this._versionCounter ??= new VersionCounter());
  }

  /** @internal The storage's version counter if one was made (null: no view or in-place write has asked for it). */
  get versionCounterIfAny(): VersionCounter | null {
    return this._versionCounter;
  }

  /**
   * How many in-place writes this tensor's storage has had (PyTorch's `_version`). Ops that save a tensor
   * for backward note its version, and backward refuses a saved tensor whose version has moved since.
   */
  get version(): number {
    return this.versionCounter.value;
  }

  /** @internal A view of this tensor's storage: same data and version counter, no graph history. */
  viewAs(shape: Shape, strides: readonly number[], offset: number): Tensor {
    return new Tensor(this.storage, shape, strides, offset, this.versionCounter);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get numel(): number {
    return numelOf(this.shape);
  }

  /** Whether gradients flow to this tensor. Only float tensors can require grad; only leaves can change it. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(flag: boolean) {
    if (this._node !== null && !flag) {
      throw new AutogradError('requiresGrad: only leaf tensors can change requiresGrad; use detach() for a tensor without history');
    }
    if (flag && !isFloat(this.dtype)) {
      throw new DTypeError(`requiresGrad: only float tensors can require gradients, got a ${this.dtype} tensor of shape ${fmtShape(this.shape)}`);
    }
    this._requiresGrad = flag;
  }

  /** Sets `requiresGrad` and returns this tensor (PyTorch's `requires_grad_`). */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  /** The graph node that produced this tensor, or null for a leaf. */
  get gradFn(): Node | null {
    return this._node;
  }

  get isLeaf(): boolean {
    return this._node === null;
  }

  get retainsGrad(): boolean {
    return this._retainsGrad;
  }

  /** Keeps `.grad` on this non-leaf tensor after backward. */
  retainGrad(): this {
    this._retainsGrad = true;
    return this;
  }

  /** @internal The gradient hooks, in registration order, or null. */
  get hooks(): readonly TensorHook[] | null {
    return this._hooks;
  }

  /**
   * Registers a hook that the backward pass calls with this tensor's gradient, before it is accumulated into
   * `.grad` (a leaf) or passed on to the op that made it; a returned tensor of the same shape replaces the
   * gradient (PyTorch's `Tensor.register_hook`). Hooks run in registration order.
   * @example const h = w.registerHook((g) => g.mul(0.5)); … h.remove();
   */
  registerHook(hook: TensorHook): RemovableHandle {
    if (typeof hook !== 'function') throw new TypeError(`registerHook: expected a function, got ${hook === null ? 'null' : typeof hook}`);
    if (!this._requiresGrad) {
      throw new AutogradError(`registerHook: cannot register a hook on a tensor that doesn't require gradient (shape ${fmtShape(this.shape)})`);
    }
    (this._hooks ??= []).push(hook);
    return new RemovableHandle(() => {
      const i = this._hooks?.indexOf(hook) ?? -1;
      if (i >= 0) this._hooks!.splice(i, 1);
      if (this._hooks?.length === 0) this._hooks = null;
    });
  }

  /** @internal Attaches the node that produced this tensor (done by `defineOp`). */
  setNode(node: Node): void {
    this._node = node;
    this._requiresGrad = true;
  }

  /** Accumulated gradient (leaves, and tensors that called `retainGrad()`). */
  get grad(): Tensor | null {
    this._gradPrivate = false;
    return this._grad;
  }

  set grad(g: Tensor | null) {
    const old = this._grad;
    if (this._gradPrivate && old !== null && old !== g) releaseStorage(old.storage);
    this._grad = g;
    this._gradPrivate = false;
  }

  /**
   * @internal The gradient, for code that keeps no reference to it past the call (an optimizer step,
   * gradient clipping): unlike the `grad` getter, it leaves the engine free to reuse the gradient's storage
   * when the gradient is replaced (`zeroGrad`).
   */
  gradForUpdate(): Tensor | null {
    return this._grad;
  }

  /**
   * @internal Adds `g` into `.grad` (a fresh copy the first time, in place afterwards unless building a
   * graph). `private`: the engine vouches that nothing but this tensor will see the new gradient's storage.
   */
  accumulateGrad(g: Tensor, createGraph: boolean, owned = false, isPrivate = false): void {
    const cur = this._grad;
    if (createGraph) {
      this.grad = cur === null ? g : ew.add(cur, g);
    } else if (cur === null) {
      // `owned`: the engine vouches that nothing else references g's buffer, so it is adopted as it is.
      this._grad = owned ? g.detach() : g.detach().clone();
      this._gradPrivate = isPrivate;
    } else if (cur.requiresGrad) {
      this.grad = ew.add(cur.detach(), g.detach());
    } else {
      ip.add_(cur, g.detach());
    }
  }

  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /** A tensor sharing storage (and its version counter) with no graph history. */
  detach(): Tensor {
    return this.viewAs(this.shape, this.strides, this.offset);
  }

  /** Runs backpropagation from this tensor; see `backward` in the autograd engine. */
  backward(gradient?: Tensor | null, opts?: BackwardOptions): void {
    runBackward(this, gradient, opts);
  }

  /** The value of a one-element tensor as a JS number. */
  item(): number {
    if (this.numel !== 1) throw notOneElement('item', this.shape);
    const h = this._host;
    if (h === null) throw onDevice(this, 'item', 'await t.itemAsync()');
    return h[this.offset]!;
  }

  /** A contiguous copy of the elements in row-major order. */
  toTypedArray(): TypedArray {
    return mv.contiguousData(this);
  }

  /** Nested JS arrays (a number for a 0-d tensor; booleans for a bool tensor). */
  toArray(): unknown {
    return toNested(this);
  }

  /**
   * `toTypedArray()` as a promise, the read that every backend supports: a backend that queues its kernels
   * (a GPU's) resolves it once they have run and its buffer is read back, without blocking the page; the CPU
   * backends resolve it at once. The values are those at the call: in-place writes after it do not show.
   * Code that should run on any backend reads values this way (TF.js's `await t.data()`).
   * @example const probs = await softmax(logits, -1).toTypedArrayAsync();
   */
  toTypedArrayAsync(): Promise<TypedArray> {
    return mv.contiguousDataAsync(this, 'toTypedArrayAsync');
  }

  /** `toArray()` as a promise, read as `toTypedArrayAsync` reads (TF.js's `await t.array()`). */
  toArrayAsync(): Promise<unknown> {
    return mv.contiguousDataAsync(this, 'toArrayAsync').then((flat) => toNested(this, flat));
  }

  /** `item()` as a promise, read as `toTypedArrayAsync` reads. */
  itemAsync(): Promise<number> {
    if (this.numel !== 1) return Promise.reject(notOneElement('itemAsync', this.shape));
    return mv.contiguousDataAsync(this, 'itemAsync').then((flat) => flat[0]!);
  }

  toString(): string {
    return formatTensor(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return formatTensor(this);
  }

  get [Symbol.toStringTag](): string {
    return 'Tensor';
  }

  // Elementwise
  add(other: TensorOrScalar, alpha?: number): Tensor { return ew.add(this, other, alpha); }
  sub(other: TensorOrScalar, alpha?: number): Tensor { return ew.sub(this, other, alpha); }
  mul(other: TensorOrScalar): Tensor { return ew.mul(this, other); }
  div(other: TensorOrScalar): Tensor { return ew.div(this, other); }
  pow(exponent: TensorOrScalar): Tensor { return ew.pow(this, exponent); }
  maximum(other: TensorOrScalar): Tensor { return ew.maximum(this, other); }
  minimum(other: TensorOrScalar): Tensor { return ew.minimum(this, other); }
  neg(): Tensor { return ew.neg(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  abs(): Tensor { return ew.abs(this); }
  sign(): Tensor { return ew.sign(this); }
  square(): Tensor { return ew.square(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  erf(): Tensor { return ew.erf(this); }
  relu(): Tensor { return ew.relu(this); }
  leakyRelu(negativeSlope?: number): Tensor { return ew.leakyRelu(this, negativeSlope); }
  elu(alpha?: number): Tensor { return ew.elu(this, alpha); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  tanh(): Tensor { return ew.tanh(this); }
  gelu(): Tensor { return ew.gelu(this); }
  softplus(opts?: ew.SoftplusOptions): Tensor { return ew.softplus(this, opts); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  where(condition: Tensor, other: TensorOrScalar): Tensor { return ew.where(condition, this, other); }
  eq(other: TensorOrScalar): Tensor { return ew.eq(this, other); }
  ne(other: TensorOrScalar): Tensor { return ew.ne(this, other); }
  lt(other: TensorOrScalar): Tensor { return ew.lt(this, other); }
  le(other: TensorOrScalar): Tensor { return ew.le(this, other); }
  gt(other: TensorOrScalar): Tensor { return ew.gt(this, other); }
  ge(other: TensorOrScalar): Tensor { return ew.ge(this, other); }
  logicalNot(): Tensor { return ew.logicalNot(this); }
  /** Converts to `dtype` (differentiable between float dtypes); returns this tensor when it already has it. */
  to(dtype: DType): Tensor { return ew.cast(this, dtype); }
  float(): Tensor { return ew.cast(this, 'float32'); }
  double(): Tensor { return ew.cast(this, 'float64'); }
  int(): Tensor { return ew.cast(this, 'int32'); }
  bool(): Tensor { return ew.cast(this, 'bool'); }

  // Reductions
  sum(dim?: number | readonly number[], keepdim?: boolean): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: number | readonly number[], keepdim?: boolean): Tensor { return red.mean(this, dim, keepdim); }
  var(dim?: number | readonly number[], opts?: red.VarOptions): Tensor { return red.variance(this, dim, opts); }
  std(dim?: number | readonly number[], opts?: red.VarOptions): Tensor { return red.std(this, dim, opts); }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): red.ValuesIndices;
  max(dim?: number, keepdim?: boolean): Tensor | red.ValuesIndices { return dim === undefined ? red.max(this) : red.max(this, dim, keepdim); }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): red.ValuesIndices;
  min(dim?: number, keepdim?: boolean): Tensor | red.ValuesIndices { return dim === undefined ? red.min(this) : red.min(this, dim, keepdim); }
  amax(dim?: number | readonly number[], keepdim?: boolean): Tensor { return red.amax(this, dim, keepdim); }
  amin(dim?: number | readonly number[], keepdim?: boolean): Tensor { return red.amin(this, dim, keepdim); }
  argmax(dim?: number, keepdim?: boolean): Tensor { return red.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim?: boolean): Tensor { return red.argmin(this, dim, keepdim); }
  logsumexp(dim: number | readonly number[], keepdim?: boolean): Tensor { return red.logsumexp(this, dim, keepdim); }
  softmax(dim: number): Tensor { return red.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return red.logSoftmax(this, dim); }

  // Movement (views where PyTorch gives views)
  reshape(...shape: number[] | [readonly number[]]): Tensor { return mv.reshape(this, flatArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return mv.view(this, flatArgs(shape)); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return mv.permute(this, flatArgs(dims)); }
  transpose(dim0: number, dim1: number): Tensor { return mv.transpose(this, dim0, dim1); }
  t(): Tensor { return mv.t(this); }
  get T(): Tensor { return mv.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return mv.expand(this, flatArgs(shape)); }
  expandAs(other: Tensor): Tensor { return mv.expand(this, other.shape); }
  squeeze(dim?: number | readonly number[]): Tensor { return mv.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return mv.unsqueeze(this, dim); }
  narrow(dim: number, start: number, length: number): Tensor { return mv.narrow(this, dim, start, length); }
  slice(dim: number, start?: number, end?: number, step?: number): Tensor { return mv.slice(this, dim, start, end, step); }
  flatten(startDim?: number, endDim?: number): Tensor { return mv.flatten(this, startDim, endDim); }
  contiguous(): Tensor { return mv.contiguous(this); }
  clone(): Tensor { return mv.clone(this); }

  // Indexing and joining
  indexSelect(dim: number, index: Tensor): Tensor { return ix.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return ix.gather(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ix.scatterAdd(this, dim, index, src); }
  split(splitSizeOrSections: number | readonly number[], dim?: number): Tensor[] { return ix.split(this, splitSizeOrSections, dim); }
  chunk(chunks: number, dim?: number): Tensor[] { return ix.chunk(this, chunks, dim); }
  pad(padding: readonly number[], value?: number): Tensor { return ix.pad(this, padding, value); }

  matmul(other: Tensor): Tensor { return matmul(this, other); }

  // Batched products, masking, selection, sampling
  bmm(batch2: Tensor): Tensor { return bmm(this, batch2); }
  baddbmm(batch1: Tensor, batch2: Tensor, opts?: BaddbmmOptions): Tensor { return baddbmm(this, batch1, batch2, opts); }
  tril(diagonal?: number): Tensor { return mk.tril(this, diagonal); }
  triu(diagonal?: number): Tensor { return mk.triu(this, diagonal); }
  maskedFill(mask: Tensor, value: number | boolean | Tensor): Tensor { return mk.maskedFill(this, mask, value); }
  topk(k: number, opts?: TopkOptions): ValuesIndices { return topk(this, k, opts); }
  multinomial(numSamples: number, opts?: MultinomialOptions): Tensor { return multinomial(this, numSamples, opts); }

  // In place (no graph; refused on tensors that require grad while grad mode is on)
  add_(other: TensorOrScalar, alpha?: number): this { ip.add_(this, other, alpha); return this; }
  sub_(other: TensorOrScalar, alpha?: number): this { ip.sub_(this, other, alpha); return this; }
  mul_(other: TensorOrScalar): this { ip.mul_(this, other); return this; }
  div_(other: TensorOrScalar): this { ip.div_(this, other); return this; }
  addcmul_(t1: Tensor, t2: Tensor, value?: number): this { ip.addcmul_(this, t1, t2, value); return this; }
  addcdiv_(t1: Tensor, t2: Tensor, value?: number): this { ip.addcdiv_(this, t1, t2, value); return this; }
  copy_(src: TensorOrScalar): this { ip.copy_(this, src); return this; }
  zero_(): this { ip.zero_(this); return this; }
  fill_(value: number): this { ip.fill_(this, value); return this; }
  clamp_(min?: number | null, max?: number | null): this { ip.clamp_(this, min, max); return this; }
  sqrt_(): this { ip.unary_(this, 'sqrt'); return this; }
  lerp_(end: Tensor, weight: number): this { ip.lerp_(this, end, weight); return this; }
  maximum_(other: Tensor): this { ip.maximum_(this, other); return this; }
  minimum_(other: Tensor): this { ip.minimum_(this, other); return this; }
}

function flatArgs(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

/** True while ops record the graph (re-exported for convenience). */
export { isGradEnabled };
