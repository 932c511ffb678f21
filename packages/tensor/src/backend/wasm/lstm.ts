// LSTM's pointwise step and its adjoint in wasm (assembly/activation.ts) for float32 with hidden a multiple of
// 4; anything else goes to the JS reference kernels. The operands are copied into linear memory and the
// results out: a few hundred kilobytes per step, far cheaper than five float64 transcendentals per element in JS.
import type { TypedArray } from '../../dtype.js';
import { lstmCell as jsLstmCell, lstmCellBackward as jsLstmCellBackward } from '../js/lstm.js';
import type { WasmKernels } from './instance.js';

export function makeLstm(k: WasmKernels) {
  const ex = k.exports;
  /** Copies each array (or reserves room for it when `copy` is false) into linear memory from k.base up; returns their addresses, or null. */
  function layout(arrays: readonly (TypedArray | null)[], copyIn: readonly boolean[]): number[] | null {
    let bytes = 0;
    for (const a of arrays) bytes += a === null ? 0 : (a.length * 4 + 63) & ~63;
    if (!k.reserve(bytes)) return null;
    const mem = k.f32();
    const at: number[] = [];
    let p = k.base;
    arrays.forEach((a, i) => {
      if (a === null) {
        at.push(0);
        return;
      }
      at.push(p);
      if (copyIn[i]) mem.set(a, p >> 2);
      p += (a.length * 4 + 63) & ~63;
    });
    return at;
  }
  const f32 = (...xs: (TypedArray | null)[]) => xs.every((x) => x === null || x instanceof Float32Array);

  function lstmCell(
    xg: TypedArray, hg: TypedArray, bias: TypedArray | null, c: TypedArray, hidden: number, acts: TypedArray, cOut: TypedArray, tanhC: TypedArray, h: TypedArray,
  ): void {
    const at = hidden % 4 === 0 && f32(xg, hg, bias, c, acts, cOut, tanhC, h) ? layout([xg, hg, bias, c, acts, cOut, tanhC, h], [true, true, true, true, false, false, false, false]) : null;
    if (at === null) {
      jsLstmCell(xg, hg, bias, c, hidden, acts, cOut, tanhC, h);
      return;
    }
    ex.lstmCellF32(at[0]!, at[1]!, at[2]!, at[3]!, c.length / hidden, hidden, at[4]!, at[5]!, at[6]!, at[7]!);
    const mem = k.f32();
    for (const [i, out] of [[4, acts], [5, cOut], [6, tanhC], [7, h]] as const) out.set(mem.subarray(at[i]! >> 2, (at[i]! >> 2) + out.length));
  }

  function lstmCellBackward(
    acts: TypedArray, c: TypedArray, tanhC: TypedArray, dh: TypedArray, dc: TypedArray, hidden: number, dGates: TypedArray, dcPrev: TypedArray,
  ): void {
    const at = hidden % 4 === 0 && f32(acts, c, tanhC, dh, dc, dGates, dcPrev) ? layout([acts, c, tanhC, dh, dc, dGates, dcPrev], [true, true, true, true, true, false, false]) : null;
    if (at === null) {
      jsLstmCellBackward(acts, c, tanhC, dh, dc, hidden, dGates, dcPrev);
      return;
    }
    ex.lstmCellBackwardF32(at[0]!, at[1]!, at[2]!, at[3]!, at[4]!, c.length / hidden, hidden, at[5]!, at[6]!);
    const mem = k.f32();
    dGates.set(mem.subarray(at[5]! >> 2, (at[5]! >> 2) + dGates.length));
    dcPrev.set(mem.subarray(at[6]! >> 2, (at[6]! >> 2) + dcPrev.length));
  }

  return { lstmCell, lstmCellBackward };
}
