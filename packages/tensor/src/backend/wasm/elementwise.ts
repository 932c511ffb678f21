// The wasm backend's elementwise kernels (assembly/elementwise.ts) for the common cases, at least
// MIN_ELEMENTS long: float32/float64 operands that are one contiguous run each (or a broadcast scalar),
// and binary ops whose output is contiguous with inputs that step 1 or 0 along the last merged dim (a bias
// broadcast over rows, a row broadcast over a batch). Float32 gelu, its derivative, sigmoid and tanh go to
// assembly/activation.ts. Anything else (strided outputs, ints, other transcendental ops, float64
// transcendentals) goes to the JS reference kernels.
// Copying a run in and out of linear memory costs ~0.1 ns per element; the JS loops cost 2–8 ns on
// float32 (branchy selects such as relu mispredict on random signs), so the copy pays for itself.
import type { BinaryOp, UnaryOp, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { RowIter } from '../iter.js';
import { isContiguous } from '../../shape.js';
import { binary as jsBinary, copy as jsCopy, unary as jsUnary } from '../js/elementwise.js';
import type { WasmKernels } from './instance.js';
import { align, isDense, isResident, isWhole, residentView, span, stage, stagedSize } from './stage.js';

const MIN_ELEMENTS = 1024;

// Op codes of assembly/elementwise.ts.
const UNARY: Partial<Record<UnaryOp, number>> = { neg: 0, abs: 1, sqrt: 2, square: 3, reciprocal: 4, relu: 5, leakyRelu: 6, clamp: 7 };
// Float32 only (assembly/activation.ts): polynomial e^y and erfc, a few 1e-7 relative from the JS reference's float64 results.
const ACTIVATION: Partial<Record<UnaryOp, number>> = { gelu: 0, geluGrad: 1, sigmoid: 2, tanh: 3 };
const ARITHMETIC: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, reluGrad: 6 };
const COMPARISON: Partial<Record<BinaryOp, number>> = { eq: 0, ne: 1, lt: 2, le: 3, gt: 4, ge: 5 };

/** Bytes for `count` elements plus one spare vector block: the kernels work in whole 16-element blocks. */
export const room = (count: number, size: number) => (Math.ceil(count / 16) + 1) * 16 * size;

const floatKind = (a: TypedArray): 4 | 8 | 0 => (a instanceof Float32Array ? 4 : a instanceof Float64Array ? 8 : 0);

const numelOf = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** The bytes of its buffer a view can reach: [first, end). */
function byteSpan(v: View): [number, number] {
  const [first, count] = span(v);
  const size = v.storage.BYTES_PER_ELEMENT;
  return [v.storage.byteOffset + first * size, v.storage.byteOffset + (first + count) * size];
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

/** `shape` with size-1 dims dropped and neighbours merged wherever every view steps uniformly across them. */
export function coalesce(shape: readonly number[], views: readonly View[]): { dims: number[]; strides: number[][] } {
  const dims: number[] = [];
  const strides: number[][] = views.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && views.every((v, i) => strides[i]![last] === v.strides[d]! * size)) {
      dims[last] = dims[last]! * size;
      views.forEach((v, i) => (strides[i]![last] = v.strides[d]!));
    } else {
      dims.push(size);
      views.forEach((v, i) => strides[i]!.push(v.strides[d]!));
    }
  }
  return { dims, strides };
}

/**
 * How a binary op maps onto the row kernels, or null: after merging dims the output must be contiguous,
 * and along the last dim each input must step 1 or 0. The last two dims go to wasm as rows × n; any
 * dims before them are walked here (`outer`, with each view's strides).
 */
interface Plan {
  readonly n: number;
  readonly rows: number;
  readonly rowStrides: readonly [number, number];
  readonly steps: readonly [number, number];
  readonly outer: readonly number[];
  readonly outerStrides: readonly (readonly number[])[];
}

function plan(a: View, b: View, out: View): Plan | null {
  const { dims, strides } = coalesce(out.shape, [a, b, out]);
  const k = dims.length - 1;
  if (k < 0) return null;
  const [sa, sb, so] = strides as [number[], number[], number[]];
  let expect = 1;
  for (let d = k; d >= 0; d--) {
    if (so[d] !== expect) return null;
    expect *= dims[d]!;
  }
  if ((sa[k] !== 0 && sa[k] !== 1) || (sb[k] !== 0 && sb[k] !== 1)) return null;
  return {
    n: dims[k]!,
    rows: k > 0 ? dims[k - 1]! : 1,
    rowStrides: k > 0 ? [sa[k - 1]!, sb[k - 1]!] : [0, 0],
    steps: [sa[k]!, sb[k]!],
    outer: dims.slice(0, Math.max(k - 1, 0)),
    outerStrides: [sa.slice(0, Math.max(k - 1, 0)), sb.slice(0, Math.max(k - 1, 0))],
  };
}

/**
 * The single contiguous run each view covers, or null: after merging dims, every view must be one row,
 * stepping 1 (or 0 for a broadcast input, which then is one scalar).
 */
function runs(shape: readonly number[], views: readonly View[], n: number): RowIter | null {
  if (n < MIN_ELEMENTS) return null;
  const it = new RowIter(shape, views);
  if (it.rows !== 1) return null;
  for (let v = 0; v < views.length; v++) {
    const s = it.inner[v]!;
    if (s !== 1 && (s !== 0 || v === views.length - 1)) return null;
  }
  return it;
}

export function makeElementwise(k: WasmKernels) {
  const ex = k.exports;

  /** Copies the run of view `v` (n elements, or 1 when it steps 0) to byte `at`; returns the bytes used. */
  function put(v: View, pos: number, step: number, n: number, size: number, at: number): number {
    const count = step === 0 ? 1 : n;
    (size === 4 ? k.f32() : size === 8 ? k.f64() : k.u8()).set(v.storage.subarray(pos, pos + count), at / size);
    return room(count, size);
  }

  function unary(op: UnaryOp, x: View, out: View, p = 0, q = 0): void {
    const size = floatKind(out.storage);
    const act = size === 4 ? ACTIVATION[op] : undefined;
    const code = act ?? UNARY[op];
    const it = code === undefined || size === 0 || x.storage.constructor !== out.storage.constructor ? null : runs(out.shape, [x, out], numelOf(out.shape));
    // NOTE: the kernel reads x as a run of n elements; a broadcast input (one scalar, step 0) goes to JS.
    if (!it || it.inner[0] !== 1 || !k.reserve(2 * room(it.n, size))) {
      jsUnary(op, x, out, p, q);
      return;
    }
    const n = it.n;
    // A resident input is read where it is; a resident output that is its whole storage is written in place
    // (the kernels' whole-vector overrun then lands in the block's padding).
    const xIn = isResident(k, x.storage);
    const outIn = isWhole(k, out.storage, it.pos[1]!, n);
    const xAt = xIn ? x.storage.byteOffset + it.pos[0]! * size : k.base;
    const staged = xIn ? 0 : put(x, it.pos[0]!, 1, n, size, xAt);
    const outAt = outIn ? out.storage.byteOffset : k.base + staged;
    if (act !== undefined) ex.activationF32(act, xAt, outAt, n);
    else (size === 4 ? ex.unaryF32 : ex.unaryF64)(code!, xAt, outAt, n, p, q);
    if (outIn) return;
    const mem = size === 4 ? k.f32() : k.f64();
    out.storage.set(mem.subarray(outAt / size, outAt / size + n), it.pos[1]!);
  }

  function binary(op: BinaryOp, a: View, b: View, out: View): void {
    const count = numelOf(out.shape);
    if (count < MIN_ELEMENTS) {
      jsBinary(op, a, b, out);
      return;
    }
    const arithmetic = ARITHMETIC[op];
    const comparison = COMPARISON[op];
    const size = floatKind(a.storage);
    const outSize = comparison !== undefined ? (out.storage instanceof Uint8Array ? 1 : 0) : arithmetic !== undefined ? floatKind(out.storage) : 0;
    const ok = size !== 0 && a.storage.constructor === b.storage.constructor
      && (outSize === 1 || (outSize === size && out.storage.constructor === a.storage.constructor));
    // The plan addresses the inputs through their own strides, so sparse ones (which stage would gather)
    // stay in JS unless they are resident (read where they are, no gather needed).
    const aIn = ok && isResident(k, a.storage);
    const bIn = ok && isResident(k, b.storage);
    const p = ok && (aIn || isDense(a)) && (bIn || isDense(b)) ? plan(a, b, out) : null;
    // The output is written in place when it is its whole resident storage, unless a row's overrun (the
    // kernels store whole vectors) could land on an input row not yet read: out aliasing an input.
    const outIn = p !== null && isWhole(k, out.storage, out.offset, count)
      && ((p.n * outSize) % 16 === 0 || (a.storage !== out.storage && b.storage !== out.storage));
    const aSize = p && !aIn ? stagedSize(a) : 0;
    const bSize = p && !bIn ? stagedSize(b) : 0;
    if (!p || !k.reserve(room(aSize, size) + room(bSize, size) + (outIn ? 0 : room(count, outSize)))) {
      jsBinary(op, a, b, out);
      return;
    }
    const mem = size === 4 ? k.f32() : k.f64();
    const aAt = k.base;
    const bAt = aAt + room(aSize, size);
    const outAt = outIn ? out.storage.byteOffset : bAt + room(bSize, size);
    const sa = aIn ? residentView(a, size) : stage(a, mem, aAt / size);
    const sb = bIn ? residentView(b, size) : stage(b, mem, bAt / size);
    const run = outSize === 1 ? (size === 4 ? ex.compareF32 : ex.compareF64) : (size === 4 ? ex.binaryF32 : ex.binaryF64);
    const code = outSize === 1 ? comparison! : arithmetic!;
    const block = p.rows * p.n;
    // Walk the outer dims (rarely more than none) with an odometer; each step is one rows × n kernel call.
    const idx = p.outer.map(() => 0);
    let ai = sa.start;
    let bi = sb.start;
    for (let o = 0; o < count; o += block) {
      run(code, p.rows, p.n, ai * size, p.rowStrides[0], p.steps[0], bi * size, p.rowStrides[1], p.steps[1], outAt + o * outSize);
      for (let d = idx.length - 1; d >= 0; d--) {
        ai += p.outerStrides[0]![d]!;
        bi += p.outerStrides[1]![d]!;
        if (++idx[d]! < p.outer[d]!) break;
        ai -= p.outerStrides[0]![d]! * p.outer[d]!;
        bi -= p.outerStrides[1]![d]! * p.outer[d]!;
        idx[d] = 0;
      }
    }
    if (outIn) return;
    const src = outSize === 1 ? k.u8() : mem;
    out.storage.set(src.subarray(outAt / outSize, outAt / outSize + count), out.offset);
  }

  /**
   * Copies of one 4- or 8-byte dtype in wasm (`.contiguous()` of a permuted or transposed view: attention's
   * heads; `copyInWasm`); bool to float conversions (a comparison's mask turned into a factor) in wasm; other
   * copies in JS.
   */
  function copy(src: View, dst: View): void {
    if (copyInWasm(src, dst)) return;
    const size = floatKind(dst.storage);
    const it = size !== 0 && src.storage instanceof Uint8Array ? runs(dst.shape, [src, dst], numelOf(dst.shape)) : null;
    if (!it || !k.reserve(room(it.n, 1) + room(it.n, size))) {
      jsCopy(src, dst);
      return;
    }
    const n = it.n;
    const srcIn = isResident(k, src.storage);
    const outIn = isWhole(k, dst.storage, it.pos[1]!, n);
    const srcAt = srcIn ? src.storage.byteOffset + it.pos[0]! : k.base;
    const staged = srcIn ? 0 : put(src, it.pos[0]!, 1, n, 1, srcAt);
    const outAt = outIn ? dst.storage.byteOffset : k.base + staged;
    (size === 4 ? ex.boolToF32 : ex.boolToF64)(srcAt, outAt, n);
    if (outIn) return;
    const mem = size === 4 ? k.f32() : k.f64();
    dst.storage.set(mem.subarray(outAt / size, outAt / size + n), it.pos[1]!);
  }

  /**
   * The same-dtype copy of 4- or 8-byte elements in wasm, at least MIN_ELEMENTS long, whose merged dims number
   * at most four. A resident source is read where it is and a resident destination written in place; else
   * a dense source's span is copied in (one memcpy) and a contiguous destination copied out. A JS loop pays
   * several ns per element (and a subarray per short row); this copies 16-byte vectors along rows. Views whose
   * bytes could overlap (of one array, or of two arrays over one buffer) go to JS, which copies element by
   * element in order.
   */
  function copyInWasm(src: View, dst: View): boolean {
    const s = src.storage, d = dst.storage;
    if (s.constructor !== d.constructor || (s.BYTES_PER_ELEMENT !== 4 && s.BYTES_PER_ELEMENT !== 8)) return false;
    const count = numelOf(dst.shape);
    if (count < MIN_ELEMENTS) return false;
    if (s.buffer === d.buffer && overlaps(byteSpan(src), byteSpan(dst))) return false;
    const { dims, strides } = coalesce(dst.shape, [src, dst]);
    if (dims.length > 4) return false;
    const srcIn = isResident(k, s);
    const dstIn = isResident(k, d);
    if (!srcIn && !isDense(src)) return false;
    // A JS destination must be contiguous: staged as a contiguous block and copied out in one piece.
    if (!dstIn && !isContiguous(dst.shape, dst.strides)) return false;
    const size = s.BYTES_PER_ELEMENT;
    const srcBytes = srcIn ? 0 : align(stagedSize(src) * size);
    if (!k.reserve(srcBytes + (dstIn ? 0 : count * size))) return false;
    // Element views of the memory in the arrays' own type, so staging copies bits (int32 through an
    // Int32Array, not converted through a Float32Array).
    const mem = s instanceof Float64Array ? k.f64() : s instanceof Int32Array ? k.i32() : k.f32();
    const srcStart = srcIn ? s.byteOffset / size + src.offset : stage(src, mem, k.base / size).start;
    const dstStart = dstIn ? d.byteOffset / size + dst.offset : (k.base + srcBytes) / size;
    const pad = 4 - dims.length;
    const n = [1, 1, 1, 1];
    const ss = [0, 0, 0, 0];
    const ds = [0, 0, 0, 0];
    for (let i = 0; i < dims.length; i++) {
      n[pad + i] = dims[i]!;
      ss[pad + i] = strides[0]![i]! * size;
      ds[pad + i] = strides[1]![i]! * size;
    }
    ex.copyStrided(size, n[0]!, n[1]!, n[2]!, n[3]!, ss[0]!, ss[1]!, ss[2]!, ss[3]!, ds[0]!, ds[1]!, ds[2]!, ds[3]!, srcStart * size, dstStart * size);
    if (!dstIn) d.set(mem.subarray(dstStart, dstStart + count), dst.offset);
    return true;
  }

  return { unary, binary, copy };
}
