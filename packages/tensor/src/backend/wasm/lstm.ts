// LSTM's pointwise step and its adjoint in wasm (assembly/activation.ts) for float32 with hidden a multiple of
// 4; anything else goes to the JS reference kernels. Resident arrays are read and written where they are; the
// others are copied into linear memory and the results out.
import type { TypedArray } from '../../dtype.js';
import { lstmCell as jsLstmCell, lstmCellBackward as jsLstmCellBackward } from '../js/lstm.js';
import type { WasmKernels } from './instance.js';
import { isResident } from './stage.js';

export function makeLstm(k: WasmKernels) {
  const ex = k.exports;
  /**
   * Each array's address in linear memory: where it is for a resident one (the kernels read and write
   * exactly `rows × hidden` or `rows × 4·hidden` floats, hidden a multiple of 4: no overrun), else a copy (or,
   * when `copyIn` is false, room) from k.base up. Null when memory cannot grow.
   */
  function layout(arrays: readonly (TypedArray | null)[], copyIn: readonly boolean[]): number[] | null {
    const inPlace = arrays.map((a) => a !== null && isResident(k, a));
    let bytes = 0;
    arrays.forEach((a, i) => (bytes += a === null || inPlace[i] ? 0 : (a.length * 4 + 63) & ~63));
    if (!k.reserve(bytes)) return null;
    const mem = k.f32();
    const at: number[] = [];
    let p = k.base;
    arrays.forEach((a, i) => {
      if (a === null) {
        at.push(0);
        return;
      }
      if (inPlace[i]) {
        at.push(a.byteOffset);
        return;
      }
      at.push(p);
      if (copyIn[i]) mem.set(a, p >> 2);
      p += (a.length * 4 + 63) & ~63;
    });
    return at;
  }
  /** Copies the results back into the arrays that are not resident. */
  function copyOut(pairs: readonly (readonly [number, TypedArray])[]): void {
    const mem = k.f32();
    for (const [at, out] of pairs) if (out.byteOffset !== at || !isResident(k, out)) out.set(mem.subarray(at >> 2, (at >> 2) + out.length));
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
    copyOut([[at[4]!, acts], [at[5]!, cOut], [at[6]!, tanhC], [at[7]!, h]]);
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
    copyOut([[at[5]!, dGates], [at[6]!, dcPrev]]);
  }

  return { lstmCell, lstmCellBackward };
}
