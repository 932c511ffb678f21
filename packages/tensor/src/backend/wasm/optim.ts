// The fused Adam step in wasm for float32 without amsgrad (assembly/optim.ts): θ, g, m and v are copied in,
// four lanes are updated at a time, and θ, m and v are copied back. The copies are plain memcpys, so this
// beats the scalar JS loop, whose square root and division per element dominate. Every other rule (and
// float64, whose order of operations the notebook tests pin) runs the JS kernel.
import type { UpdateRule, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { adamF32Scalars, update as jsUpdate } from '../js/optim.js';
import type { WasmKernels } from './instance.js';
import { room } from './elementwise.js';

/** Below this many elements the JS loop runs (copying in and out would cost more). */
const MIN_ELEMENTS = 1024;

export function makeUpdate(k: WasmKernels, allFinite: (x: View) => boolean) {
  const adam = k.exports.adamF32;
  const fallback = (rule: UpdateRule, param: TypedArray, grad: TypedArray, state: readonly TypedArray[], checkFinite: boolean): boolean => {
    jsUpdate(rule, param, grad, state);
    return !checkFinite || allFinite({ data: param, shape: [param.length], strides: [1], offset: 0 });
  };
  return function update(rule: UpdateRule, param: TypedArray, grad: TypedArray, state: readonly TypedArray[], checkFinite = false): boolean {
    const n = param.length;
    if (rule.kind !== 'adam' || rule.amsgrad || n < MIN_ELEMENTS || !(param instanceof Float32Array) || !(grad instanceof Float32Array)
      || !(state[0] instanceof Float32Array) || !(state[1] instanceof Float32Array)) {
      return fallback(rule, param, grad, state, checkFinite);
    }
    const bytes = room(n, 4);
    if (!k.reserve(4 * bytes)) return fallback(rule, param, grad, state, checkFinite);
    const [m, v] = state as [Float32Array, Float32Array];
    const mem = k.f32();
    const [pAt, gAt, mAt, vAt] = [k.base, k.base + bytes, k.base + 2 * bytes, k.base + 3 * bytes];
    mem.set(param, pAt / 4);
    mem.set(grad, gAt / 4);
    mem.set(m, mAt / 4);
    mem.set(v, vAt / 4);
    adam(pAt, gAt, mAt, vAt, n, ...adamF32Scalars(rule));
    // The NaN guard's check of the new θ, while it is still in linear memory (no second copy).
    const finite = !checkFinite || k.exports.allFiniteF32(pAt, n) === 1;
    param.set(mem.subarray(pAt / 4, pAt / 4 + n));
    m.set(mem.subarray(mAt / 4, mAt / 4 + n));
    v.set(mem.subarray(vAt / 4, vAt / 4 + n));
    return finite;
  };
}
