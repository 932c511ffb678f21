// The wasm backend's sums over trailing dims (assembly/reduce.ts): the leading dims must merge into one,
// the reduced ones into at most two. A unit-stride leading dim (a gradient summed over the batch) goes
// to the lane-parallel column sum; contiguous reduced runs to the row sum. Both read the staged copy
// through the view's own strides, so a sparse view (a narrow slice of a larger tensor) stays in JS. Other reductions, and every op
// but sum, run in the JS reference kernel.
import type { ReduceOp, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { reduce as jsReduce } from '../js/reduce.js';
import type { WasmKernels } from './instance.js';
import { isDense, isResident, isWhole, residentView, stage, stagedSize } from './stage.js';
import { coalesce, room } from './elementwise.js';

const MIN_ELEMENTS = 1024;

export function makeReduce(k: WasmKernels): (op: ReduceOp, x: View, rank: number, out: TypedArray) => void {
  const ex = k.exports;
  return function reduce(op, x, rank, out) {
    const size = out instanceof Float32Array ? 4 : out instanceof Float64Array ? 8 : 0;
    const numel = x.shape.reduce((p, d) => p * d, 1);
    if (op !== 'sum' || size === 0 || x.storage.constructor !== out.constructor || numel < MIN_ELEMENTS) {
      jsReduce(op, x, rank, out);
      return;
    }
    const nd = x.shape.length;
    const lead = coalesce(x.shape.slice(0, nd - rank), [{ ...x, strides: x.strides.slice(0, nd - rank) }]);
    const red = coalesce(x.shape.slice(nd - rank), [{ ...x, strides: x.strides.slice(nd - rank) }]);
    const L = lead.dims[0] ?? 1;
    const ls = lead.strides[0]![0] ?? 0;
    const rd = red.dims;
    const rs = red.strides[0]!;
    // A resident x is read where it is; sumCols stores whole vectors, so out is written in place only when it is a whole block.
    const xIn = isResident(k, x.storage);
    const outIn = isWhole(k, out, 0, L);
    const staged = xIn ? 0 : stagedSize(x);
    const cols = lead.dims.length === 1 && ls === 1 && rd.length <= 2;
    const rows = !cols && lead.dims.length <= 1 && rd.length >= 1 && rd.length <= 2 && rs[rd.length - 1] === 1;
    if ((!cols && !rows) || !(xIn || isDense(x)) || !k.reserve(room(staged, size) + (outIn ? 0 : room(L, size)))) {
      jsReduce(op, x, rank, out);
      return;
    }
    const mem = size === 4 ? k.f32() : k.f64();
    const xAt = k.base;
    const outAt = outIn ? out.byteOffset : xAt + room(staged, size);
    const sx = xIn ? residentView(x, size) : stage(x, mem, xAt / size);
    if (cols) {
      const [nr, r1, ns, s1] = rd.length === 2 ? [rd[0]!, rs[0]!, rd[1]!, rs[1]!] : [1, 0, rd[0] ?? 1, rs[0] ?? 0];
      (size === 4 ? ex.sumColsF32 : ex.sumColsF64)(sx.start * size, L, nr, r1, ns, s1, outAt);
    } else {
      const [nr, r1] = rd.length === 2 ? [rd[0]!, rs[0]!] : [1, 0];
      (size === 4 ? ex.sumRowsF32 : ex.sumRowsF64)(sx.start * size, L, ls, nr, r1, rd[rd.length - 1]!, outAt);
    }
    if (!outIn) out.set(mem.subarray(outAt / size, outAt / size + L));
  };
}
