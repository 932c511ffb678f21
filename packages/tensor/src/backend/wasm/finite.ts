// The NaN guard's check in wasm (assembly/finite.ts): a float view whose storage span holds exactly its
// elements (contiguous, or a permutation of contiguous) is copied into linear memory with one memcpy and
// checked four lanes at a time; anything else, and small views, go to the JS kernel.
import type { View } from '../backend.js';
import { allFinite as jsAllFinite } from '../js/finite.js';
import type { WasmKernels } from './instance.js';
import { isResident } from './stage.js';

const MIN_ELEMENTS = 2048;

export function makeAllFinite(k: WasmKernels): (x: View) => boolean {
  const ex = k.exports;
  return function allFinite(x) {
    const d = x.storage;
    const size = d instanceof Float32Array ? 4 : d instanceof Float64Array ? 8 : 0;
    // The span of storage the view reaches; when it is as long as the view, it holds exactly its elements.
    let n = 1;
    let lo = x.offset;
    let hi = x.offset;
    for (let i = 0; i < x.shape.length; i++) {
      n *= x.shape[i]!;
      const step = (x.shape[i]! - 1) * x.strides[i]!;
      if (step < 0) lo += step;
      else hi += step;
    }
    if (size === 0 || n < MIN_ELEMENTS || hi - lo + 1 !== n) return jsAllFinite(x);
    // A resident view is checked where it is (the kernel reads exactly n values: no overrun).
    if (isResident(k, d)) return (size === 4 ? ex.allFiniteF32 : ex.allFiniteF64)(d.byteOffset + lo * size, n) === 1;
    if (!k.reserve(n * size)) return jsAllFinite(x);
    const mem = size === 4 ? k.f32() : k.f64();
    mem.set(d.subarray(lo, lo + n), k.base / size);
    return (size === 4 ? ex.allFiniteF32 : ex.allFiniteF64)(k.base, n) === 1;
  };
}
