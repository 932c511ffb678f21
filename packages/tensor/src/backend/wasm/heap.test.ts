// Tensor storage in wasm memory (heap.ts): resident tensors give the same bits as staged ones, the engine
// frees what it knows is dead and nothing else, and memory stays bounded without any call from the user.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Tensor, crossEntropyIndices, defineOp, manualSeed, matmul, noGrad, randint, randn, relu, setBackend, setWasmHeapLimit, softmax, sum, wasmHeapStats, zeros,
} from '../../index.js';
import { adamPattern } from './optim.js';
import { elementwise_ } from '../../ops/fused.js';
import { kernels } from './instance.js';

const heap = kernels?.heap ?? null;
const resident = (t: Tensor) => heap !== null && heap.has(t.data);
const bits = (t: Tensor) => Array.from(new Uint32Array(new Float32Array(t.toTypedArray()).buffer));
const gc = (globalThis as { gc?: () => void }).gc;

/** Runs `f` with every new tensor in an ordinary typed array (the staged path), then restores the limit. */
function staged<T>(f: () => T): T {
  const prev = setWasmHeapLimit(0);
  try {
    return f();
  } finally {
    setWasmHeapLimit(prev);
  }
}

describe.runIf(heap !== null)('tensors in wasm memory', () => {
  beforeEach(() => setBackend('wasm'));
  afterEach(() => setWasmHeapLimit(128 * 1024 * 1024));

  it('hands out toTypedArray copies as ordinary typed arrays, never over the shared memory', () => {
    const t = randn([64, 64]);
    expect(resident(t)).toBe(true);
    const a = t.toTypedArray();
    expect(a.buffer).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(a)).toEqual(Array.from(t.data));
  });

  it('puts tensors of at least 4 KiB in wasm memory, smaller ones in JS arrays', () => {
    expect(resident(zeros([1024]))).toBe(true);
    expect(resident(randn([64, 128]))).toBe(true);
    expect(resident(zeros([10]))).toBe(false);
    expect(staged(() => resident(zeros([1024])))).toBe(false);
    // A resident tensor reads and writes like any other.
    const t = zeros([2048]);
    t.data[5] = 3;
    expect(t.sum().item()).toBe(3);
    expect(wasmHeapStats()!.liveBytes).toBeGreaterThan(0);
  });

  it('gives the same bits as the staged path, operands in place and outputs written in place', () => {
    const cases: [string, () => Tensor][] = [
      ['matmul', () => matmul(randn([64, 300]), randn([300, 70]))],
      ['matmul Aᵀ', () => matmul(randn([300, 64]).t(), randn([300, 70]))],
      ['bias add over rows of 7 (no whole-vector rows)', () => randn([300, 7]).add(randn([7]))],
      ['relu', () => relu(randn([33, 101]))],
      ['sigmoid (float32 activation kernel)', () => randn([33, 101]).sigmoid()],
      ['comparison', () => randn([33, 101]).gt(0).to('float32')],
      ['softmax over rows of 10', () => softmax(randn([300, 10]), -1)],
      ['cross-entropy', () => crossEntropyIndices(randn([2000, 10]), randint(0, 10, [2000]))],
      ['column sums', () => sum(randn([300, 70]), 0)],
      ['row sums', () => sum(randn([70, 300]), 1)],
      ['narrow view', () => randn([80, 300]).narrow(1, 3, 200).mul(2)],
    ];
    for (const [name, make] of cases) {
      manualSeed(3);
      const want = staged(make);
      manualSeed(3);
      const got = make();
      expect(resident(got), name).toBe(got.numel * 4 >= 4096);
      expect(bits(got), name).toEqual(bits(want));
    }
  });

  it('updates in place with an input row overlapping the output (a.add_(b) over rows of 7)', () => {
    manualSeed(4);
    const make = () => {
      const a = randn([300, 7]);
      a.add_(randn([7]));
      a.mul_(a);
      return a;
    };
    const want = staged(make);
    manualSeed(4);
    expect(bits(make())).toEqual(bits(want));
  });

  it('runs the Adam expression in place, the last n mod 4 elements included', () => {
    const kernel = adamPattern(false);
    for (const n of [4096, 4099, 5001]) {
      const run = () => {
        manualSeed(5);
        const p = randn([n]), m = randn([n]).abs(), v = randn([n]).abs(), g = randn([n]);
        elementwise_(kernel, { p, m, v, g }, { d1: 0.9, d2: 0.999, c1: 0.1, c2: 0.001, a: 0.01, r: 1.2, e: 1e-8, s: 1 });
        return [p, m, v];
      };
      const want = staged(run);
      const got = run();
      expect(got.every(resident)).toBe(true);
      got.forEach((t, i) => expect(bits(t), `n = ${n}, array ${i}`).toEqual(bits(want[i]!)));
    }
  });

  function step(w: Tensor, x: Tensor, y: Tensor): Tensor {
    const loss = crossEntropyIndices(relu(matmul(x, w)).matmul(w.t()).narrow(1, 0, 10), y).mean();
    loss.backward();
    return loss;
  }

  it('frees a backward pass\'s own storage at its end; the gradients it leaves are intact', () => {
    manualSeed(6);
    const x = randn([64, 200]), y = randint(0, 10, [64]);
    const w = randn([200, 100]).mul(0.05).requiresGrad_();
    const w0 = staged(() => w.detach().clone().requiresGrad_());
    staged(() => step(w0, x, y));
    const before = wasmHeapStats()!.engineFrees;
    step(w, x, y);
    expect(wasmHeapStats()!.engineFrees).toBeGreaterThan(before);
    // Allocations after the pass reuse the freed blocks: the gradient must not be among them.
    const g = w.grad!;
    for (let i = 0; i < 20; i++) randn([64, 100]).mul(3);
    expect(bits(g)).toEqual(bits(w0.grad!));
  });

  it('frees a replaced gradient only if nothing outside the engine read it', () => {
    manualSeed(7);
    const x = randn([64, 200]), y = randint(0, 10, [64]);
    const w = randn([200, 100]).mul(0.05).requiresGrad_();
    step(w, x, y);
    const seen = w.grad!; // read through the public getter: it may be kept
    const want = bits(seen);
    const frees = wasmHeapStats()!.engineFrees;
    w.grad = null;
    expect(wasmHeapStats()!.engineFrees).toBe(frees);
    for (let i = 0; i < 20; i++) randn([200, 100]).mul(3);
    expect(bits(seen)).toEqual(want);
    // Not read: replacing it frees its block at once.
    step(w, x, y);
    const f2 = wasmHeapStats()!.engineFrees;
    noGrad(() => (w.grad = null));
    expect(wasmHeapStats()!.engineFrees).toBe(f2 + 1);
  });

  it('frees nothing early in a pass with a hook or an op defined outside Tensile: they may keep gradients', () => {
    manualSeed(8);
    const x = randn([64, 200]), y = randint(0, 10, [64]);
    const w = randn([200, 100]).mul(0.05).requiresGrad_();
    // A hook that keeps the gradient it sees.
    let hooked: Tensor | null = null;
    const h = matmul(x, w);
    h.registerHook((g) => void (hooked = g));
    crossEntropyIndices(h.narrow(1, 0, 10), y).mean().backward();
    const keptBits = bits(hooked!);
    for (let i = 0; i < 20; i++) randn([64, 100]).mul(3);
    expect(bits(hooked!)).toEqual(keptBits);
    // A user op whose backward keeps its incoming gradient.
    let stash: Tensor | null = null;
    const keep = defineOp<[Tensor]>({ name: 'keep', forward: (_ctx, [a]) => a.clone(), backward: (_ctx, g) => [(stash = g, g)] });
    crossEntropyIndices(keep([matmul(x, w)], undefined).narrow(1, 0, 10), y).mean().backward();
    const stashBits = bits(stash!);
    for (let i = 0; i < 20; i++) randn([64, 100]).mul(3);
    expect(bits(stash!)).toEqual(stashBits);
  });

  it('keeps wasm memory bounded in a loop that makes and drops large tensors, with no call from the user', () => {
    setWasmHeapLimit(32 * 1024 * 1024);
    let total = 0;
    const sizes: number[] = [];
    for (let i = 0; i < 3000; i++) {
      total += zeros([256, 256]).add(i).relu().sum().item(); // 256 KiB each, dropped at once
      if (i % 500 === 499) sizes.push(wasmHeapStats()!.memoryBytes);
    }
    expect(Number.isFinite(total)).toBe(true);
    const s = wasmHeapStats()!;
    // 3,000 × 2 tensors of 256 KiB would be 1.5 GiB; the limit holds the memory near 32 MiB.
    expect(s.memoryBytes).toBeLessThan(64 * 1024 * 1024);
    expect(sizes.at(-1)).toBe(sizes[1]);
    expect(s.fallbacks).toBeGreaterThan(0);
  }, 120_000);

  it('keeps wasm memory flat over thousands of training steps', () => {
    setWasmHeapLimit(8 * 1024 * 1024);
    manualSeed(9);
    const x = randn([64, 256]), y = randint(0, 10, [64]);
    const w1 = randn([256, 64]).mul(0.05).requiresGrad_();
    const w2 = randn([64, 10]).mul(0.1).requiresGrad_();
    const sizes: number[] = [];
    let first = 0;
    let last = 0;
    for (let i = 0; i < 2000; i++) {
      const loss = crossEntropyIndices(relu(matmul(x, w1)).matmul(w2), y).mean();
      loss.backward();
      noGrad(() => {
        for (const p of [w1, w2]) {
          p.sub_(p.gradForUpdate()!, 0.05);
          p.grad = null;
        }
      });
      if (i === 0) first = loss.item();
      last = loss.item();
      if (i % 250 === 249) sizes.push(wasmHeapStats()!.memoryBytes);
    }
    expect(last).toBeLessThan(first / 4);
    expect(sizes.at(-1)).toBe(sizes[3]);
    expect(wasmHeapStats()!.memoryBytes).toBeLessThan(64 * 1024 * 1024);
  }, 120_000);

  it.runIf(gc !== undefined)('frees a dropped tensor\'s block once it is collected and the event loop turns', async () => {
    const before = wasmHeapStats()!.collectedFrees;
    for (let i = 0; i < 10; i++) randn([1024, 64]);
    gc!();
    await new Promise((r) => setTimeout(r, 20));
    gc!();
    await new Promise((r) => setTimeout(r, 20));
    expect(wasmHeapStats()!.collectedFrees).toBeGreaterThan(before);
  });
});

describe('setWasmHeapLimit', () => {
  it('rejects a limit that is not a non-negative integer, naming it', () => {
    expect(() => setWasmHeapLimit(-1)).toThrow('setWasmHeapLimit: the limit must be a non-negative integer number of bytes, got -1');
    expect(() => setWasmHeapLimit(1.5)).toThrow(RangeError);
  });
});
