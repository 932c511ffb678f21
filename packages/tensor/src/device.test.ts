// A device backend, stood in for by a simulated one: its storage is an object that is not a typed array (as a
// GPU buffer is not), only its kernels see the values behind it, and values leave it only through its
// asynchronous `read`. What this checks is the seam a WebGPU backend plugs into: ops allocate the device's
// storage and hand it to the device's kernels, views share it, synchronous reads refuse it with an error that
// names the asynchronous read, and tensors of two devices do not mix.
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeviceError, Tensor, add, getBackend, grad, isHostStorage, jsBackend, matmul, noGrad, relu, setBackend, sum, tensor,
  type Backend, type DeviceStorage, type TypedArray, type View,
} from './index.js';
import { allocArray, type DType } from './dtype.js';

/** The simulated device's storage: the values sit in a typed array that only the backend below reads. */
class SimBuffer implements DeviceStorage {
  readonly device = 'sim';
  readonly #values: TypedArray;
  constructor(readonly dtype: DType, values: TypedArray) {
    this.#values = values;
  }
  get length(): number {
    return this.#values.length;
  }
  static values(b: SimBuffer): TypedArray {
    return b.#values;
  }
}

const counts = new Map<string, number>();
let released = 0;

/** Whatever the JS kernels would get: each SimBuffer (as a view's storage, an output, or in a list) swapped for its values. */
function unwrap(arg: unknown, kernel: string): unknown {
  if (arg instanceof SimBuffer) return SimBuffer.values(arg);
  if (ArrayBuffer.isView(arg)) throw new Error(`sim.${kernel}: a typed array reached the device's kernels`);
  if (Array.isArray(arg)) return arg.map((a) => unwrap(a, kernel));
  if (arg !== null && typeof arg === 'object' && 'storage' in arg) {
    const v = arg as View<unknown>;
    if (!(v.storage instanceof SimBuffer)) throw new Error(`sim.${kernel}: a view of another device's storage reached the device's kernels`);
    return { storage: SimBuffer.values(v.storage), shape: v.shape, strides: v.strides, offset: v.offset };
  }
  return arg;
}

function simBackend(): Backend<SimBuffer> {
  const kernels: Record<string, unknown> = {};
  for (const [key, fn] of Object.entries(jsBackend)) {
    if (typeof fn !== 'function') continue;
    kernels[key] = (...args: unknown[]) => {
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return (fn as (...a: unknown[]) => unknown).apply(jsBackend, args.map((a) => unwrap(a, key)));
    };
  }
  return {
    ...(kernels as unknown as Backend<SimBuffer>),
    name: 'sim',
    device: 'sim',
    alloc: (dtype: DType, size: number) => new SimBuffer(dtype, allocArray(dtype, size, 'sim', undefined, true, false)),
    release: (b: SimBuffer) => {
      if (b instanceof SimBuffer) released++;
    },
    upload: (src: TypedArray) => new SimBuffer(dtypeOf(src), src.slice()),
    // Queued: the values come back on a later task, as a GPU's mapped buffer would.
    read: (x: View<SimBuffer>, out: TypedArray) =>
      new Promise<void>((resolve) => {
        const snapshot = new (out.constructor as new (n: number) => TypedArray)(out.length);
        jsBackend.copy(unwrap(x, 'read') as View, { storage: snapshot, shape: x.shape, strides: contiguous(x.shape), offset: 0 });
        setTimeout(() => {
          out.set(snapshot);
          resolve();
        }, 1);
      }),
  };
}

const dtypeOf = (a: TypedArray): DType =>
  a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : a instanceof Int32Array ? 'int32' : 'bool';
const contiguous = (shape: readonly number[]) => shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));

const initial = getBackend();
afterEach(() => {
  setBackend(initial);
  counts.clear();
});

describe('a device backend (simulated)', () => {
  it('keeps tensors in its own storage and runs ops through its kernels; values leave through the asynchronous reads', async () => {
    setBackend(simBackend());
    const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    expect(x.storage).toBeInstanceOf(SimBuffer);
    expect(isHostStorage(x.storage)).toBe(false);
    expect(x.isHost).toBe(false);
    const w = tensor([[0.5, -1], [2, 0], [1, 1]], { dtype: 'float64' });
    const y = relu(add(matmul(x, w), 1));
    expect(y.storage).toBeInstanceOf(SimBuffer);
    expect(counts.get('bmm')).toBeGreaterThan(0);
    expect(counts.get('binary')).toBeGreaterThan(0);
    expect(counts.get('unary')).toBeGreaterThan(0);
    // x·w = [[7.5, 2], [18, 2]], + 1, relu
    expect(await y.toArrayAsync()).toEqual([[8.5, 3], [19, 3]]);
    expect(Array.from(await y.t().toTypedArrayAsync())).toEqual([8.5, 19, 3, 3]);
    expect(await sum(y).itemAsync()).toBe(33.5);
    // A view shares the device storage.
    const col = y.narrow(1, 1, 1);
    expect(col.storage).toBe(y.storage);
    expect(await col.toArrayAsync()).toEqual([[3], [3]]);
  });

  it('refuses every synchronous read with a DeviceError that names the asynchronous one', () => {
    setBackend(simBackend());
    const x = tensor([1, 2, 3]);
    expect(() => x.data).toThrow(DeviceError);
    expect(() => x.data).toThrow(/data: this float32 tensor of shape \[3\] lives on sim.*await t\.toTypedArrayAsync\(\)/);
    expect(() => sum(x).item()).toThrow(/item: .* lives on sim.*await t\.itemAsync\(\)/);
    expect(() => x.toTypedArray()).toThrow(/toTypedArray: .*await t\.toTypedArrayAsync\(\)/);
    expect(() => x.toArray()).toThrow(/toArray: .*await t\.toArrayAsync\(\)/);
    expect(String(x)).toBe('tensor(<3 values on sim>, shape=[3], dtype=float32)');
  });

  it('computes gradients on the device', async () => {
    setBackend(simBackend());
    const x = tensor([[1, -2], [3, 4]], { dtype: 'float64', requiresGrad: true });
    const w = tensor([[0.5], [-1]], { dtype: 'float64', requiresGrad: true });
    const [gx, gw] = grad(sum(relu(matmul(x, w))), [x, w]);
    // x·w = [[2.5], [-2.5]]: only the first row passes relu.
    expect(gx!.storage).toBeInstanceOf(SimBuffer);
    expect(await gx!.toArrayAsync()).toEqual([[0.5, -1], [0, 0]]);
    expect(await gw!.toArrayAsync()).toEqual([[1], [-2]]);
    // The engine hands the storage of the pass's temporaries back to the device.
    expect(released).toBeGreaterThan(0);
  });

  it('runs a training loop: backward, an in-place update, a falling loss', async () => {
    setBackend(simBackend());
    const x = tensor([[1, 0], [0, 1], [1, 1], [2, 1]], { dtype: 'float64' });
    const target = tensor([[1], [2], [3], [4]], { dtype: 'float64' }); // y = x₀ + 2·x₁
    const w = tensor([[0], [0]], { dtype: 'float64', requiresGrad: true });
    const losses: number[] = [];
    for (let step = 0; step < 200; step++) {
      w.grad = null;
      const r = matmul(x, w).sub(target);
      const loss = sum(r.mul(r));
      loss.backward();
      noGrad(() => w.sub_(w.grad!.mul(0.05)));
      if (step % 50 === 0) losses.push(await loss.itemAsync());
    }
    expect(w.storage).toBeInstanceOf(SimBuffer);
    expect(losses[0]).toBe(30);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    const [w0, w1] = Array.from(await w.toTypedArrayAsync());
    expect(w0).toBeCloseTo(1, 6);
    expect(w1).toBeCloseTo(2, 6);
  });

  it('does not mix tensors of two devices in one op (PyTorch: "same device")', () => {
    const host = tensor([1, 2, 3]);
    setBackend(simBackend());
    const dev = tensor([1, 2, 3]);
    expect(() => add(dev, host)).toThrow(DeviceError);
    expect(() => add(dev, host)).toThrow(/add: expected all tensors on sim \(backend sim\), but input 1 \(shape \[3\]\) is on cpu/);
    setBackend(initial);
    expect(() => add(host, dev)).toThrow(/add: expected all tensors on cpu .*input 1 \(shape \[3\]\) is on sim/);
    // A host tensor still reads synchronously, whatever the backend.
    expect(Array.from(host.data)).toEqual([1, 2, 3]);
  });

  it('a Tensor can be built over a device storage, whose layout is checked like an array’s', async () => {
    setBackend(simBackend());
    const buf = new SimBuffer('float32', Float32Array.of(1, 2, 3, 4, 5, 6));
    const t = new Tensor(buf, [2, 3]);
    expect(t.dtype).toBe('float32');
    expect(await t.t().toArrayAsync()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(() => new Tensor(buf, [3, 3])).toThrow(/a buffer of 6 elements cannot hold shape \[3, 3\]/);
  });
});
