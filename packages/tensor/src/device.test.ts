// A device backend, stood in for by the simulated one (backend/sim): its storage is an object that is not a
// typed array (as a GPU buffer is not), only its kernels see the values behind it, and values leave it only
// through its asynchronous `read`. What this checks is the seam a WebGPU backend plugs into: ops allocate the device's
// storage and hand it to the device's kernels, views share it, synchronous reads refuse it with an error that
// names the asynchronous read, and tensors of two devices do not mix.
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeviceError, SimBuffer, Tensor, add, crossEntropyIndices, defineElementwise, elementwise_, getBackend, grad, isHostStorage,
  matmul, noGrad, relu, setBackend, simulatedDevice, sum, tensor,
} from './index.js';

const initial = getBackend();
afterEach(() => {
  setBackend(initial);
});

describe('a device backend (simulated)', () => {
  it('keeps tensors in its own storage and runs ops through its kernels; values leave through the asynchronous reads', async () => {
    const sim = simulatedDevice();
    setBackend(sim);
    const counts = sim.stats.calls;
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
    setBackend(simulatedDevice());
    const x = tensor([1, 2, 3]);
    expect(() => x.data).toThrow(DeviceError);
    expect(() => x.data).toThrow(/data: this float32 tensor of shape \[3\] lives on sim.*await t\.toTypedArrayAsync\(\)/);
    expect(() => sum(x).item()).toThrow(/item: .* lives on sim.*await t\.itemAsync\(\)/);
    expect(() => x.toTypedArray()).toThrow(/toTypedArray: .*await t\.toTypedArrayAsync\(\)/);
    expect(() => x.toArray()).toThrow(/toArray: .*await t\.toArrayAsync\(\)/);
    expect(String(x)).toBe('tensor(<3 values on sim>, shape=[3], dtype=float32)');
  });

  it('computes gradients on the device', async () => {
    const sim = simulatedDevice();
    setBackend(sim);
    const x = tensor([[1, -2], [3, 4]], { dtype: 'float64', requiresGrad: true });
    const w = tensor([[0.5], [-1]], { dtype: 'float64', requiresGrad: true });
    const [gx, gw] = grad(sum(relu(matmul(x, w))), [x, w]);
    // x·w = [[2.5], [-2.5]]: only the first row passes relu.
    expect(gx!.storage).toBeInstanceOf(SimBuffer);
    expect(await gx!.toArrayAsync()).toEqual([[0.5, -1], [0, 0]]);
    expect(await gw!.toArrayAsync()).toEqual([[1], [-2]]);
    // The engine hands the storage of the pass's temporaries back to the device.
    expect(sim.stats.released).toBeGreaterThan(0);
  });

  it('runs a training loop: backward, an in-place update, a falling loss', async () => {
    setBackend(simulatedDevice());
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
    setBackend(simulatedDevice());
    const dev = tensor([1, 2, 3]);
    expect(() => add(dev, host)).toThrow(DeviceError);
    expect(() => add(dev, host)).toThrow(/add: expected all tensors on sim \(backend sim\), but input 1 \(shape \[3\]\) is on cpu/);
    setBackend(initial);
    expect(() => add(host, dev)).toThrow(/add: expected all tensors on cpu .*input 1 \(shape \[3\]\) is on sim/);
    // A host tensor still reads synchronously, whatever the backend.
    expect(Array.from(host.data)).toEqual([1, 2, 3]);
  });

  it('a Tensor can be built over a device storage, whose layout is checked like an array’s', async () => {
    setBackend(simulatedDevice());
    const buf = new SimBuffer('sim', 'float32', Float32Array.of(1, 2, 3, 4, 5, 6));
    const t = new Tensor(buf, [2, 3]);
    expect(t.dtype).toBe('float32');
    expect(await t.t().toArrayAsync()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(() => new Tensor(buf, [3, 3])).toThrow(/a buffer of 6 elements cannot hold shape \[3, 3\]/);
  });

  it('runs a fused elementwise update (the optimizers\' fast path) on whole storages and on views', async () => {
    setBackend(simulatedDevice());
    const step = defineElementwise({ name: 'sgdStep', write: ['p'], read: ['g'], scalars: ['lr'], body: 'p = p - g * lr' });
    const p = tensor([1, 2, 3, 4], { dtype: 'float32' });
    const g = tensor([10, 20, 30, 40], { dtype: 'float32' });
    noGrad(() => elementwise_(step, { p, g }, { lr: 0.5 }));
    expect(Array.from(await p.toTypedArrayAsync())).toEqual([-4, -8, -12, -16]);
    expect(p.version).toBe(1);
    // A strided target goes through a contiguous copy and back, as on the CPU backends.
    const m = tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    noGrad(() => elementwise_(step, { p: m.t(), g: tensor([[1, 1], [1, 1]], { dtype: 'float32' }) }, { lr: 1 }));
    expect(await m.toArrayAsync()).toEqual([[0, 1], [2, 3]]);
  });

  it('computes cross-entropy of class indices; the device checks the targets (an index out of range gives NaN)', async () => {
    setBackend(simulatedDevice());
    const logits = tensor([[2, 0, 0], [0, 0, 3]], { dtype: 'float64' });
    const loss = crossEntropyIndices(logits, tensor([0, 2], { dtype: 'int32' }));
    const want = Math.log(Math.exp(2) + 2) - 2 + Math.log(Math.exp(3) + 2) - 3;
    expect(await sum(loss).itemAsync()).toBeCloseTo(want, 12);
    const bad = await crossEntropyIndices(logits, tensor([3, 2], { dtype: 'int32' })).toArrayAsync();
    expect(Number.isNaN((bad as number[])[0])).toBe(true);
    expect((bad as number[])[1]).toBeCloseTo(Math.log(Math.exp(3) + 2) - 3, 12);
  });

  it('keeps two devices apart', () => {
    setBackend(simulatedDevice('simA'));
    const a = tensor([1, 2]);
    setBackend(simulatedDevice('simB'));
    expect(() => add(a, tensor([1, 2]))).toThrow(/add: expected all tensors on simB \(backend simB\), but input 0 \(shape \[2\]\) is on simA/);
  });
});
