// The wasm backend's softmax, log-softmax and class-index cross-entropy along the last dim
// (assembly/softmax.ts). Rows whose last dim has unit stride and whose leading dims merge into one are
// copied into linear memory as they are; any other layout (softmax over a leading dim, a narrow slice) is
// gathered into contiguous rows first, which costs far less than the JS kernel's exp. Small inputs and
// non-float data run in the JS reference kernels.
// float32 results are within ~2 ulp of the JS kernel's (a vectorised float32 exp); float64 ones within
// ~1e-15 relative (the same exp to the bit, the sum in another order).
import type { View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { contiguousStrides } from '../../shape.js';
import { copy as jsCopy } from '../js/elementwise.js';
import { crossEntropy as jsCrossEntropy } from '../js/loss.js';
import { softmax as jsSoftmax } from '../js/reduce.js';
import { coalesce, room } from './elementwise.js';
import type { WasmKernels } from './instance.js';
import { isDense, isResident, isWhole, residentView, stage, stagedSize } from './stage.js';

/** Below this many elements the JS kernel runs: copying in and out would cost more than it saves. */
const MIN_ELEMENTS = 256;

const floatSize = (a: TypedArray): 4 | 8 | 0 => (a instanceof Float32Array ? 4 : a instanceof Float64Array ? 8 : 0);

/** How `x`'s rows (along its last dim) will sit in linear memory. */
interface RowPlan {
  readonly rows: number;
  readonly n: number;
  /** Copied as it is (then rows are `ls` apart), or gathered into contiguous rows. */
  readonly asIs: boolean;
  readonly ls: number;
  /** Elements the staged copy takes. */
  readonly elements: number;
}

/** `resident`: x lives in wasm memory, so rows laid out as the kernel reads them are read where they are. */
function planRows(x: View, resident: boolean): RowPlan {
  const nd = x.shape.length;
  const n = x.shape[nd - 1]!;
  const numel = x.shape.reduce((p, d) => p * d, 1);
  const lead = coalesce(x.shape.slice(0, nd - 1), [{ ...x, strides: x.strides.slice(0, nd - 1) }]);
  const asIs = (x.strides[nd - 1] === 1 || n === 1) && lead.dims.length <= 1 && (resident || isDense(x));
  return { rows: numel / n, n, asIs, ls: asIs ? (lead.strides[0]![0] ?? 0) : n, elements: asIs ? (resident ? 0 : stagedSize(x)) : numel };
}

/** Writes `x`'s rows into `mem` from element `at` on (unless they are read in place); returns the element index of the first row. */
function stageRows(x: View, p: RowPlan, mem: TypedArray, at: number): number {
  if (p.asIs && p.elements === 0) return residentView(x, mem.BYTES_PER_ELEMENT).start;
  if (p.asIs) return stage(x, mem, at).start;
  jsCopy(x, { storage: mem, shape: x.shape, strides: contiguousStrides(x.shape), offset: at });
  return at;
}

export function makeSoftmax(k: WasmKernels): (op: 'softmax' | 'logSoftmax', x: View, out: TypedArray) => void {
  const ex = k.exports;
  return function softmax(op, x, out) {
    const size = floatSize(out);
    const numel = x.shape.reduce((p, d) => p * d, 1);
    if (size === 0 || x.storage.constructor !== out.constructor || x.shape.length === 0 || numel < MIN_ELEMENTS) {
      jsSoftmax(op, x, out);
      return;
    }
    const p = planRows(x, isResident(k, x.storage));
    // The kernel stores whole vectors: a row's overrun lands on the next row, written after it, or in a whole block's padding.
    const outIn = isWhole(k, out, 0, numel);
    if (!k.reserve(room(p.elements, size) + (outIn ? 0 : room(numel, size)))) {
      jsSoftmax(op, x, out);
      return;
    }
    const mem = size === 4 ? k.f32() : k.f64();
    const xAt = k.base;
    const outAt = outIn ? out.byteOffset : xAt + room(p.elements, size);
    const start = stageRows(x, p, mem, xAt / size);
    (size === 4 ? ex.softmaxF32 : ex.softmaxF64)(start * size, p.rows, p.ls, p.n, outAt, op === 'logSoftmax' ? 1 : 0);
    if (!outIn) out.set(mem.subarray(outAt / size, outAt / size + numel));
  };
}

export function makeCrossEntropy(k: WasmKernels): (logits: View, target: Int32Array, out: TypedArray) => void {
  const ex = k.exports;
  return function crossEntropy(logits, target, out) {
    const size = floatSize(out);
    const numel = logits.shape[0]! * logits.shape[1]!;
    if (size === 0 || logits.storage.constructor !== out.constructor || numel < MIN_ELEMENTS) {
      jsCrossEntropy(logits, target, out);
      return;
    }
    const p = planRows(logits, isResident(k, logits.storage));
    if (!k.reserve(room(p.elements, size) + room(p.rows, 4) + room(p.rows, size))) {
      jsCrossEntropy(logits, target, out);
      return;
    }
    const xAt = k.base;
    const targetAt = xAt + room(p.elements, size);
    const outAt = targetAt + room(p.rows, 4);
    const start = stageRows(logits, p, size === 4 ? k.f32() : k.f64(), xAt / size);
    k.i32().set(target.subarray(0, p.rows), targetAt / 4);
    (size === 4 ? ex.crossEntropyF32 : ex.crossEntropyF64)(start * size, p.rows, p.ls, p.n, targetAt, outAt);
    const mem = size === 4 ? k.f32() : k.f64();
    out.set(mem.subarray(outAt / size, outAt / size + p.rows));
  };
}
