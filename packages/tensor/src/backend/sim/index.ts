// A simulated device backend: what a GPU backend looks like to the rest of Tensile, without a GPU. Its storage
// (`SimBuffer`) is an object, not a typed array, whose values only its kernels see; its kernels are the JS
// backend's, run on those hidden values; values leave it only through its asynchronous `read`, which resolves
// on a later task as a mapped GPU buffer would. Code that works on it never reads a tensor synchronously, never
// hands a kernel a typed array of its own making, and never mixes devices: the checks a WebGPU backend needs.
import type { Backend, View } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { allocArray, dtypeOfArray, type DType, type TypedArray } from '../../dtype.js';
import type { DeviceStorage } from '../../storage.js';
import { contiguousStrides } from '../../shape.js';

/** A simulated device's storage: the values sit in a typed array that only the device's kernels read. */
export class SimBuffer implements DeviceStorage {
  readonly #values: TypedArray;
  constructor(readonly device: string, readonly dtype: DType, values: TypedArray) {
    this.#values = values;
  }
  get length(): number {
    return this.#values.length;
  }
  /** @internal The hidden values, for the device's own kernels. */
  static valuesOf(b: SimBuffer): TypedArray {
    return b.#values;
  }
}

/** What a simulated device counts: kernel calls by name, and storage handed back by the engine. */
export interface SimStats {
  readonly calls: Map<string, number>;
  released: number;
}

/**
 * A new simulated device backend (`device` is its name, and its tensors' `storage.device`). Install it with
 * `setBackend`; tensors made while it is current live on it. A typed array, or another device's storage,
 * reaching one of its kernels is an error naming the kernel: the op that passed it is not device-ready.
 * @example
 * const sim = simulatedDevice();
 * setBackend(sim);
 * const y = relu(matmul(randn([2, 3]), randn([3, 4])));
 * await y.toArrayAsync(); // y.data throws a DeviceError
 */
export function simulatedDevice(device = 'sim'): Backend<SimBuffer> & { readonly stats: SimStats } {
  const stats: SimStats = { calls: new Map(), released: 0 };
  const unwrap = (arg: unknown, kernel: string): unknown => {
    if (arg instanceof SimBuffer) {
      if (arg.device !== device) throw new Error(`${device}.${kernel}: storage of device ${arg.device} reached this device's kernels`);
      return SimBuffer.valuesOf(arg);
    }
    if (ArrayBuffer.isView(arg)) throw new Error(`${device}.${kernel}: a typed array reached the device's kernels`);
    if (Array.isArray(arg)) return arg.map((a) => unwrap(a, kernel));
    if (arg !== null && typeof arg === 'object' && 'storage' in arg) {
      const v = arg as View<unknown>;
      if (!(v.storage instanceof SimBuffer)) throw new Error(`${device}.${kernel}: a view of a typed array reached the device's kernels`);
      return { storage: unwrap(v.storage, kernel), shape: v.shape, strides: v.strides, offset: v.offset };
    }
    return arg;
  };
  const kernels: Record<string, unknown> = {};
  for (const [key, fn] of Object.entries(jsBackend)) {
    if (typeof fn !== 'function') continue;
    kernels[key] = (...args: unknown[]): unknown => {
      stats.calls.set(key, (stats.calls.get(key) ?? 0) + 1);
      return (fn as (...a: unknown[]) => unknown).apply(jsBackend, args.map((a) => unwrap(a, key)));
    };
  }
  // Its targets are checked here, as a device backend must (Backend.crossEntropy): NaN for one out of range.
  const crossEntropy = kernels.crossEntropy as (logits: View<SimBuffer>, target: SimBuffer, out: SimBuffer) => void;
  kernels.crossEntropy = (logits: View<SimBuffer>, target: SimBuffer, out: SimBuffer): void => {
    const t = SimBuffer.valuesOf(target), o = SimBuffer.valuesOf(out), classes = logits.shape[1]!;
    const bad = Array.from(t, (v) => v < 0 || v >= classes);
    if (bad.some(Boolean)) {
      crossEntropy(logits, new SimBuffer(device, 'int32', Int32Array.from(t, (v, i) => (bad[i] ? 0 : v))), out);
      bad.forEach((b, i) => b && (o[i] = NaN));
      return;
    }
    crossEntropy(logits, target, out);
  };
  return {
    ...(kernels as unknown as Backend<SimBuffer>),
    name: device,
    device,
    stats,
    alloc: (dtype, size) => new SimBuffer(device, dtype, allocArray(dtype, size, device, undefined, true, false)),
    release: (b) => {
      if (b instanceof SimBuffer && b.device === device) stats.released++;
    },
    upload: (src) => new SimBuffer(device, dtypeOfArray(src), src.slice()),
    // The values as of the call, delivered on a later task.
    read: (x, out) => {
      const snapshot = new (out.constructor as new (n: number) => TypedArray)(out.length);
      jsBackend.copy(unwrap(x, 'read') as View, { storage: snapshot, shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 });
      return new Promise<void>((resolve) => {
        setTimeout(() => {
          out.set(snapshot);
          resolve();
        }, 0);
      });
    },
  };
}
