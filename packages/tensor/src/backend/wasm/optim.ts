// The fused Adam step in wasm for float32 without amsgrad (assembly/optim.ts): θ, g, m and v are copied in,
// four lanes are updated at a time, and θ, m and v are copied back. The copies are plain memcpys, so this
// beats the scalar JS loop, whose square root and division per element dominate. Every other rule (and
// float64, whose order of operations the notebook tests pin) runs the JS kernel.
import type { UpdateRule } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { update as jsUpdate } from '../js/optim.js';
import type { WasmKernels } from './instance.js';
import { room } from './elementwise.js';

/** Below this many elements the JS loop runs (copying in and out would cost more). */
const MIN_ELEMENTS = 1024;

export function makeUpdate(k: WasmKernels) {
  const adam = k.exports.adamF32;
  return function update(rule: UpdateRule, param: TypedArray, grad: TypedArray, state: readonly TypedArray[]): void {
    const n = param.length;
    if (rule.kind !== 'adam' || rule.amsgrad || n < MIN_ELEMENTS || !(param instanceof Float32Array) || !(grad instanceof Float32Array)
      || !(state[0] instanceof Float32Array) || !(state[1] instanceof Float32Array)) {
      jsUpdate(rule, param, grad, state);
      return;
    }
    const bytes = room(n, 4);
    if (!k.reserve(4 * bytes)) {
      jsUpdate(rule, param, grad, state);
      return;
    }
    const [m, v] = state as [Float32Array, Float32Array];
    const mem = k.f32();
    const at = [0, 1, 2, 3].map((i) => k.base + i * bytes);
    [param, grad, m, v].forEach((a, i) => mem.set(a, at[i]! / 4));
    const { lr, decay1, decay2, eps, weightDecay: wd, decoupled, step } = rule;
    const bc1 = 1 - decay1 ** step;
    const bc2 = 1 - decay2 ** step;
    adam(at[0]!, at[1]!, at[2]!, at[3]!, n, decay1, decay2, 1 - decay1, 1 - decay2, lr / bc1, 1 / Math.sqrt(bc2), eps,
      decoupled ? 1 - lr * wd : 1, decoupled ? 0 : wd);
    param.set(mem.subarray(at[0]! / 4, at[0]! / 4 + n));
    m.set(mem.subarray(at[2]! / 4, at[2]! / 4 + n));
    v.set(mem.subarray(at[3]! / 4, at[3]! / 4 + n));
  };
}
