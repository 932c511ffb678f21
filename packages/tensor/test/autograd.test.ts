// The autograd engine: accumulation, freeing, grad(), grad modes, higher order, deep graphs, memory,
// anomaly detection and user-defined ops. Expected values are worked out by hand in the comments.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  AnomalyError,
  AutogradError,
  DTypeError,
  Generator,
  OpContext,
  Tensor,
  defineOp,
  detectAnomaly,
  enableGrad,
  getBackend,
  grad,
  gradcheck,
  isAnomalyEnabled,
  isGradEnabled,
  noGrad,
  randn,
  setDetectAnomaly,
  tensor,
  zerosLike,
} from '../src/index.js';

const f64 = (v: number | number[] | number[][], requiresGrad = false): Tensor => tensor(v, { dtype: 'float64', requiresGrad });

/** Asserts |a − e| ≤ rtol·|e| elementwise, reporting the worst element. */
function expectClose(actual: Tensor | number, expected: number[] | number, rtol = 1e-12): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual.toTypedArray());
  const e = typeof expected === 'number' ? [expected] : expected;
  expect(a.length).toBe(e.length);
  let worst = -1;
  let worstErr = 0;
  a.forEach((v, i) => {
    const err = Math.abs(v - e[i]!) / Math.max(Math.abs(e[i]!), 1e-300);
    if (!(err <= worstErr)) {
      worstErr = err;
      worst = i;
    }
  });
  expect(worstErr <= rtol, `element ${worst}: ${a[worst]} vs ${e[worst]} (relative error ${worstErr}, rtol ${rtol})`).toBe(true);
}

describe('backward and .grad', () => {
  it('accumulates into a leaf’s .grad across two backward calls', () => {
    const x = f64([1, 2, 3], true);
    x.mul(x).sum().backward(); // d/dx Σx² = 2x
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
    x.mul(3).sum().backward(); // + d/dx Σ3x = 3
    expect(x.grad!.toArray()).toEqual([5, 7, 9]);
    expect(x.grad!.requiresGrad).toBe(false);
  });

  it('gives .grad its own storage (later in-place updates do not alias the graph)', () => {
    const x = f64([1, 2], true);
    const g = f64([1, 1]);
    x.mul(1).backward(g);
    expect(x.grad!.data).not.toBe(g.data);
    x.mul(1).backward(g);
    expect(g.toArray()).toEqual([1, 1]);
    expect(x.grad!.toArray()).toEqual([2, 2]);
  });

  it('adopts a gradient buffer born in the pass only when nothing else holds it', () => {
    // add's backward hands the same gradient to both leaves: each must get its own storage.
    const a = f64([1, 2], true);
    const b = f64([3, 4], true);
    const g = f64([1, 1]);
    a.add(b).backward(g);
    expect(a.grad!.data).not.toBe(b.grad!.data);
    expect(a.grad!.data).not.toBe(g.data);
    a.grad!.add_(f64([10, 10]));
    expect(b.grad!.toArray()).toEqual([1, 1]);
    expect(g.toArray()).toEqual([1, 1]);
    // an expanded (stride-0) gradient is never adopted: in-place accumulation would write one element twice
    const s = f64([2], true);
    const x = f64([1, 2, 3]);
    s.expand([3]).mul(x).sum().backward();
    s.grad!.add_(f64([1]));
    expect(s.grad!.toArray()).toEqual([7]);
    // a fresh, unshared product is adopted, and later accumulation still adds in place correctly
    const w = f64([[1, 2], [3, 4]], true);
    const v = f64([[1], [1]]);
    w.matmul(v).sum().backward();
    expect(w.grad!.toArray()).toEqual([[1, 1], [1, 1]]);
    w.matmul(v).sum().backward();
    expect(w.grad!.toArray()).toEqual([[2, 2], [2, 2]]);
    // the user's own tensor passed as the output gradient stays the user's
    const p = f64([1, 2], true);
    const seed = f64([5, 6]);
    p.reshape([2]).backward(seed);
    expect(p.grad!.data).not.toBe(seed.data);
  });

  it('refuses a non-scalar output without a gradient, and accepts one with it', () => {
    const x = f64([1, 2, 3], true);
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow(
      'backward: a gradient can be created implicitly only for scalar outputs, but the output has shape [3]; pass a gradient of that shape',
    );
    expect(() => y.backward(f64([1, 2]))).toThrow('backward: the gradient has shape [2] but the output has shape [3]');
    expect(x.grad).toBeNull();
    y.backward(f64([1, 0.5, -1])); // 2·[1, 0.5, −1]
    expect(x.grad!.toArray()).toEqual([2, 1, -2]);
    // one element is enough, whatever the rank
    const z = f64([[4]], true);
    z.mul(z).backward();
    expect(z.grad!.toArray()).toEqual([[8]]);
  });

  it('refuses an output that does not require grad', () => {
    expect(() => f64([1]).mul(2).sum().backward()).toThrow(AutogradError);
    expect(() => f64([1]).mul(2).sum().backward()).toThrow(/does not require grad and has no grad_fn/);
  });

  it('frees the graph after backward and says how to keep it', () => {
    const x = f64([1, 2], true);
    const y = x.mul(x).sum();
    y.backward();
    expect(y.gradFn!.inputs[0]!.gradFn!.ctx.saved).toEqual([]); // mul's saved tensors are released
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow('backward: the graph was already freed (at mul); pass { retainGraph: true } to the first backward()');
    expect(x.grad!.toArray()).toEqual([2, 4]); // the failed call added nothing
  });

  it('retainGraph keeps the graph for a second pass', () => {
    const x = f64([1, 2], true);
    const y = x.mul(x).sum();
    y.backward(null, { retainGraph: true });
    y.backward(); // 2x twice
    expect(x.grad!.toArray()).toEqual([4, 8]);
    expect(() => y.backward()).toThrow(/graph was already freed/); // the second call did not retain it
  });

  it('does not touch .grad of tensors that do not require grad, nor of non-leaves', () => {
    const x = f64([1, 2], true);
    const c = f64([3, 4]);
    const h = x.mul(c);
    h.sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 4]);
    expect(c.grad).toBeNull();
    expect(h.grad).toBeNull();
  });

  it('routes gradients through a diamond exactly once per path', () => {
    // y = a·b with a = x², b = x + 1 → dy/dx = 2x(x + 1) + x² = 3x² + 2x = 16 at x = 2
    const x = f64(2, true);
    const a = x.mul(x);
    const b = x.add(1);
    a.mul(b).backward();
    expect(x.grad!.item()).toBe(16);
  });
});

describe('retainGrad', () => {
  it('keeps .grad on a non-leaf', () => {
    const x = f64([1, 2], true);
    const y = x.mul(3).retainGrad();
    const w = y.mul(1);
    expect(y.retainsGrad).toBe(true);
    y.mul(y).sum().add(w.sum()).backward();
    // z = Σy² + Σy → dz/dy = 2y + 1 = 6x + 1; dz/dx = 3(6x + 1)
    expect(y.grad!.toArray()).toEqual([7, 13]);
    expect(x.grad!.toArray()).toEqual([21, 39]);
    expect(w.grad).toBeNull();
  });
});

describe('grad()', () => {
  it('returns gradients without touching .grad', () => {
    const x = f64([1, 2], true);
    const w = f64([3, 4], true);
    const y = x.mul(w).sum();
    const [gx, gw] = grad([y], [x, w]);
    expect(gx!.toArray()).toEqual([3, 4]);
    expect(gw!.toArray()).toEqual([1, 2]);
    expect(x.grad).toBeNull();
    expect(w.grad).toBeNull();
    // single tensors instead of lists
    expect(grad(x.mul(x).sum(), x)[0]!.toArray()).toEqual([2, 4]);
  });

  it('takes gradOutputs for non-scalar outputs, and sums over several outputs', () => {
    const x = f64([1, 2], true);
    const w = f64([3, 4]);
    expect(grad([x.mul(w)], [x], { gradOutputs: [f64([1, 10])] })[0]!.toArray()).toEqual([3, 40]);
    expect(() => grad([x.mul(w)], [x])).toThrow(/a gradient can be created implicitly only for scalar outputs/);
    expect(() => grad([x.mul(w)], [x], { gradOutputs: [] })).toThrow('grad: got 0 gradOutputs for 1 outputs');
    // d/dx (Σx + Σx²) = 1 + 2x
    expect(grad([x.sum(), x.mul(x).sum()], [x])[0]!.toArray()).toEqual([3, 5]);
    // a null entry means "ones" for a scalar output
    expect(grad([x.sum(), x.mul(2)], [x], { gradOutputs: [null, f64([1, 1])] })[0]!.toArray()).toEqual([3, 3]);
  });

  it('differentiates with respect to an intermediate tensor', () => {
    const x = f64([1, 2], true);
    const h = x.mul(2);
    const [gh] = grad(h.mul(h).sum(), [h]); // 2h = 4x
    expect(gh!.toArray()).toEqual([4, 8]);
  });

  it('allowUnused gives null for an input the outputs do not use; without it, an error', () => {
    const x = f64([1, 2], true);
    const u = f64([5, 6], true);
    const y = x.mul(x).sum();
    expect(() => grad([y], [x, u], { retainGraph: true })).toThrow(AutogradError);
    expect(() => grad([y], [x, u], { retainGraph: true })).toThrow(
      'grad: input 1 (shape [2]) was not used to compute the outputs; pass { allowUnused: true } to get null for it',
    );
    const [gx, gu] = grad([y], [x, u], { allowUnused: true });
    expect(gx!.toArray()).toEqual([2, 4]);
    expect(gu).toBeNull();
  });

  it('refuses an input that does not require grad', () => {
    const x = f64([1], true);
    expect(() => grad(x.sum(), [f64([1])])).toThrow('grad: input 0 (shape [1]) does not require grad');
  });

  it('frees the graph unless retainGraph', () => {
    const x = f64([1, 2], true);
    const y = x.mul(x).sum();
    const first = grad(y, x, { retainGraph: true })[0]!.toArray();
    const second = grad(y, x)[0]!.toArray();
    expect(second).toEqual(first);
    expect(() => grad(y, x)).toThrow('grad: the graph was already freed (at mul); pass { retainGraph: true } to the first backward()');
  });

  it('createGraph gives a differentiable gradient; without it the gradient is a constant', () => {
    const x = f64([1, 2], true);
    const [g] = grad(x.mul(x).mul(x).sum(), x, { createGraph: true });
    expect(g!.requiresGrad).toBe(true);
    const [g2] = grad(x.mul(x).sum(), x);
    expect(g2!.requiresGrad).toBe(false);
  });
});

describe('higher-order gradients', () => {
  it('d²/dx² x³ = 6x and d³/dx³ x³ = 6, through grad(createGraph)', () => {
    const x = f64([0.5, -1, 2], true);
    const y = x.pow(3).sum();
    const [d1] = grad(y, x, { createGraph: true });
    expect(d1!.toArray()).toEqual([0.75, 3, 12]); // 3x²
    const [d2] = grad(d1!.sum(), x, { createGraph: true });
    expect(d2!.toArray()).toEqual([3, -6, 12]); // 6x
    const [d3] = grad(d2!.sum(), x);
    expect(d3!.toArray()).toEqual([6, 6, 6]);
  });

  it('the same through x·x·x, so mul’s backward is differentiable too', () => {
    const x = f64(1.5, true);
    const [d1] = grad(x.mul(x).mul(x), x, { createGraph: true });
    const [d2] = grad(d1!, x, { createGraph: true });
    const [d3] = grad(d2!, x);
    expect([d1!.item(), d2!.item(), d3!.item()]).toEqual([6.75, 9, 6]);
  });

  it('backward({ createGraph }) then backward of x.grad (PyTorch’s double-backward pattern)', () => {
    const x = f64([1, 2], true);
    x.pow(3).sum().backward(null, { createGraph: true });
    const g = x.grad!;
    expect(g.toArray()).toEqual([3, 12]);
    expect(g.requiresGrad).toBe(true);
    x.grad = null;
    g.sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 12]); // 6x
  });

  it('d²/dx² tanh x = −2·tanh x·(1 − tanh² x)', () => {
    const v = 0.5;
    const x = f64(v, true);
    const [d1] = grad(x.tanh(), x, { createGraph: true });
    const [d2] = grad(d1!, x);
    const t = Math.tanh(v);
    expectClose(d1!, 1 - t * t);
    expectClose(d2!, -2 * t * (1 - t * t));
  });

  it('mixed partials: ∂²(x²y)/∂x∂y = 2x', () => {
    const x = f64(3, true);
    const y = f64(-2, true);
    const [dx] = grad(x.mul(x).mul(y), x, { createGraph: true }); // 2xy = −12
    expect(dx!.item()).toBe(-12);
    const [dxy] = grad(dx!, y);
    expect(dxy!.item()).toBe(6);
  });
});

describe('grad mode', () => {
  it('noGrad and enableGrad nest and restore', () => {
    const x = f64([1], true);
    expect(isGradEnabled()).toBe(true);
    const out = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      const a = x.mul(2);
      expect(a.requiresGrad).toBe(false);
      expect(a.gradFn).toBeNull();
      const b = enableGrad(() => {
        expect(isGradEnabled()).toBe(true);
        noGrad(() => expect(isGradEnabled()).toBe(false));
        expect(isGradEnabled()).toBe(true);
        return x.mul(3);
      });
      expect(b.requiresGrad).toBe(true);
      expect(isGradEnabled()).toBe(false);
      return b;
    });
    expect(isGradEnabled()).toBe(true);
    out.sum().backward();
    expect(x.grad!.toArray()).toEqual([3]);
  });

  it('restores the mode when the function throws', () => {
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    noGrad(() => {
      expect(() =>
        enableGrad(() => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(isGradEnabled()).toBe(false);
    });
    expect(isGradEnabled()).toBe(true);
  });

  it('backward turns grad mode off inside and restores it', () => {
    const x = f64([1], true);
    x.mul(x).sum().backward();
    expect(isGradEnabled()).toBe(true);
    noGrad(() => enableGrad(() => x.mul(x).sum().backward()));
    expect(isGradEnabled()).toBe(true);
  });
});

describe('requiresGrad and detach', () => {
  it('propagates from any input that requires grad', () => {
    const a = f64([1, 2], true);
    const b = f64([3, 4]);
    const s = a.add(b);
    expect(s.requiresGrad).toBe(true);
    expect(s.isLeaf).toBe(false);
    expect(s.gradFn!.op).toBe('add');
    expect(b.mul(2).requiresGrad).toBe(false);
    expect(a.isLeaf).toBe(true);
    expect(a.gradFn).toBeNull();
    // comparisons, casts to int and argmax are not differentiable
    expect(a.gt(0).requiresGrad).toBe(false);
    expect(a.int().requiresGrad).toBe(false);
    expect(a.argmax().requiresGrad).toBe(false);
    // a float cast is
    expect(a.float().requiresGrad).toBe(true);
  });

  it('refuses requiresGrad on int32 and bool tensors with a DTypeError', () => {
    const i = tensor([1, 2], { dtype: 'int32' });
    expect(() => {
      i.requiresGrad = true;
    }).toThrow(DTypeError);
    expect(() => i.requiresGrad_()).toThrow('requiresGrad: only float tensors can require gradients, got a int32 tensor of shape [2]');
    expect(() => tensor([true]).requiresGrad_()).toThrow(DTypeError);
    expect(i.requiresGrad).toBe(false);
  });

  it('refuses turning requiresGrad off on a non-leaf', () => {
    const y = f64([1], true).mul(2);
    expect(() => {
      y.requiresGrad = false;
    }).toThrow(AutogradError);
  });

  it('detach shares storage and cuts the graph', () => {
    const x = f64([1, 2, 3], true);
    const y = x.mul(x);
    const d = y.detach();
    expect(d.data).toBe(y.data);
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    // z = Σ x·stopgrad(x²) → dz/dx = x² (not 3x²)
    d.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 4, 9]);
  });
});

describe('deep graphs (iterative backward)', () => {
  it('10,000 chained muls: d/dx x·1.0001¹⁰⁰⁰⁰ = 1.0001¹⁰⁰⁰⁰', () => {
    const x = f64(1.5, true);
    let y = x;
    let factor = 1;
    for (let i = 0; i < 10_000; i++) {
      y = y.mul(1.0001);
      factor *= 1.0001; // the same roundings as the forward pass
    }
    y.backward();
    expectClose(x.grad!, factor, 1e-12);
    expectClose(y, 1.5 * factor, 1e-12);
    expect(factor).toBeGreaterThan(2.718); // e^(10⁴·ln 1.0001) ≈ e^0.99995
  });

  it('30,000 nodes of y ← y + 10⁻⁴·tanh(y): the chain rule product of 1 + 10⁻⁴(1 − tanh² y)', () => {
    const x = f64(0.3, true);
    let y = x;
    // forward-mode reference: v is the value, dv = dy/dx
    let v = 0.3;
    let dv = 1;
    for (let i = 0; i < 10_000; i++) {
      y = y.add(y.tanh().mul(1e-4));
      const t = Math.tanh(v);
      dv *= 1 + 1e-4 * (1 - t * t);
      v += 1e-4 * t;
    }
    expectClose(y, v, 1e-12);
    const [g] = grad(y, x);
    expectClose(g!, dv, 1e-10);
  });

  it('10,000 fan-out diamonds y ← 0.25·y + 0.75·y: every gradient arrives before a node is processed', () => {
    // each step has derivative 0.25 + 0.75 = 1 exactly; processing a node before both paths have
    // delivered their gradient would lose part of it.
    const x = f64(2, true);
    let y = x;
    for (let i = 0; i < 10_000; i++) y = y.mul(0.25).add(y.mul(0.75));
    y.backward();
    expect(y.item()).toBe(2);
    expect(x.grad!.item()).toBe(1);
  });
});

/** `global.gc`, exposed by vitest.config.ts's execArgv or, failing that, through V8 flags. */
function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('memory', () => {
  /** A tiny 2-4(tanh)-1 regression net trained by manual SGD on fixed data. */
  function makeTrainer() {
    const gen = new Generator(2024);
    const X = randn([32, 2], { dtype: 'float64', generator: gen });
    // target: a smooth function of the inputs
    const Y = X.slice(1, 0, 1).mul(0.8).sub(X.slice(1, 1, 2).mul(0.5)).tanh();
    const w1 = randn([2, 8], { dtype: 'float64', generator: gen }).mul(0.5).requiresGrad_();
    const b1 = tensor(new Float64Array(8)).requiresGrad_();
    const w2 = randn([8, 1], { dtype: 'float64', generator: gen }).mul(0.5).requiresGrad_();
    const b2 = tensor(new Float64Array(1)).requiresGrad_();
    const params = [w1, b1, w2, b2];
    return (keep?: Tensor[]): number => {
      const pred = X.matmul(w1).add(b1).tanh().matmul(w2).add(b2);
      const diff = pred.sub(Y);
      const loss = diff.mul(diff).mean();
      for (const p of params) p.grad = null;
      loss.backward();
      noGrad(() => {
        for (const p of params) p.sub_(p.grad!, 0.1);
      });
      keep?.push(loss);
      return loss.item();
    };
  }

  it('10,000 training steps do not grow the heap, and the loss falls', () => {
    const gc = getGc();
    const step = makeTrainer();
    const first = step();
    for (let i = 1; i < 1000; i++) step();
    gc();
    const heapAt1k = process.memoryUsage().heapUsed;
    let last = 0;
    for (let i = 1000; i < 10_000; i++) last = step();
    gc();
    const heapAt10k = process.memoryUsage().heapUsed;
    // Each step builds ~15 nodes and several [32, 8] float64 tensors (2 KiB each): a graph kept alive per
    // step would add tens of MB over 9,000 steps (see the control below). Allow 2 MB of GC noise.
    expect(heapAt10k - heapAt1k).toBeLessThan(2 * 1024 * 1024);
    expect(last).toBeLessThan(first / 10);
  });

  it('control: the same measure does see a leak (keeping every loss keeps its graph)', () => {
    const gc = getGc();
    const step = makeTrainer();
    const kept: Tensor[] = [];
    for (let i = 0; i < 100; i++) step(kept);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 2000; i++) step(kept);
    gc();
    const after = process.memoryUsage().heapUsed;
    expect(after - before).toBeGreaterThan(2 * 1024 * 1024);
    expect(kept.length).toBe(2100);
  });
});

describe('detectAnomaly', () => {
  it('log(−1) in forward throws an AnomalyError naming log and the input shapes', () => {
    const x = f64([[1, -1], [2, 3]]);
    expect(() => detectAnomaly(() => x.log())).toThrow(AnomalyError);
    expect(() => detectAnomaly(() => x.log())).toThrow(
      'detectAnomaly: log produced NaN in its forward (output shape [2, 2], element 1; input shapes [2, 2])',
    );
    // binary ops list both input shapes
    expect(() => detectAnomaly(() => f64([0, 1]).div(f64([[0], [1]])))).toThrow(/div produced NaN in its forward .*input shapes \[2, 2\], \[2, 2\]/);
    // off by default: NaN just flows
    expect(Number.isNaN((x.log().toArray() as number[][])[0]![1])).toBe(true);
    expect(isAnomalyEnabled()).toBe(false);
  });

  it('a NaN/Inf that appears only in backward is reported under the op whose backward made it', () => {
    // sqrt(0) = 0 is fine, but d/dx √x = 1/(2√x) = ∞ at 0
    const x = f64([0, 4], true);
    let err: unknown;
    try {
      detectAnomaly(() => x.sqrt().sum().backward());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AnomalyError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^detectAnomaly: sqrt produced Infinity in its backward \(output shape \[2\], element 0; input shapes \[2\]\)/);
    // and where the op was called (this file)
    expect(msg).toMatch(/The op was called at:[\s\S]*autograd\.test\.ts/);
    expect(x.grad).toBeNull(); // nothing was accumulated
    expect(isAnomalyEnabled()).toBe(false);
    // without anomaly detection the same backward gives [∞, 1/(2·2)]
    x.sqrt().sum().backward();
    expect(x.grad!.toArray()).toEqual([Infinity, 0.25]);
  });

  it('a finite computation passes, and setDetectAnomaly turns it on globally', () => {
    const x = f64([1, 4], true);
    detectAnomaly(() => x.sqrt().log().sum().backward());
    expectClose(x.grad!, [0.5, 1 / 8]); // d/dx ½ln x = 1/(2x)
    const prev = setDetectAnomaly(true);
    try {
      expect(() => f64([-1]).sqrt()).toThrow(/sqrt produced NaN/);
    } finally {
      setDetectAnomaly(prev);
    }
    expect(isAnomalyEnabled()).toBe(false);
  });
});

describe('defineOp', () => {
  // y = k·x³ with the scale k as the op's attribute; dy/dx = 3k·x². Forward through kernels only,
  // backward with tensor ops (so it can be differentiated again).
  const scaledCube = defineOp<[Tensor], number>({
    name: 'scaledCube',
    forward: (ctx, [x]) => {
      ctx.save(x);
      const out = zerosLike(x);
      getBackend().unary('powScalar', x, out, 3);
      return out.mul_(ctx.attrs);
    },
    backward: (ctx, g) => [g.mul(ctx.saved[0]!.pow(2)).mul(3 * ctx.attrs)],
  });

  it('a user-defined op works end to end: value, gradient, gradFn name, second derivative, gradcheck', () => {
    const x = f64([1, -2], true);
    const y = scaledCube([x], 0.5);
    expect(y.toArray()).toEqual([0.5, -4]); // 0.5·[1, −8]
    expect(y.gradFn!.op).toBe('scaledCube');
    expect(y.toString()).toContain('gradFn=<scaledCube>');
    // loss = Σ(k x³ + x) → 3k x² + 1 = [2.5, 7]
    y.add(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([2.5, 7]);
    // d²/dx² k x³ = 6k x = 3x
    const [d1] = grad(scaledCube([x], 0.5).sum(), x, { createGraph: true });
    const [d2] = grad(d1!.sum(), x);
    expect(d2!.toArray()).toEqual([3, -6]);
    expect(gradcheck((t) => scaledCube([t], 0.5), [f64([0.3, -0.7, 1.1], true)])).toBe(true);
    // under noGrad no node is recorded
    expect(noGrad(() => scaledCube([x], 0.5)).gradFn).toBeNull();
  });

  it('tells backward which inputs need a gradient, and runs forward with grad mode off', () => {
    let seen: readonly boolean[] = [];
    let modeInForward = true;
    const mulOp = defineOp<[Tensor, Tensor]>({
      name: 'myMul',
      forward: (_ctx: OpContext<undefined>, [a, b]) => {
        modeInForward = isGradEnabled();
        return a.mul(b); // grad mode is off here, so this records nothing
      },
      backward: (ctx, g) => {
        seen = ctx.needsInputGrad;
        return [ctx.needsInputGrad[0] ? g.mul(2) : null, ctx.needsInputGrad[1] ? g : null];
      },
    });
    const a = f64([1, 2], true);
    const b = f64([3, 4]);
    const y = mulOp([a, b], undefined);
    expect(modeInForward).toBe(false);
    expect(y.gradFn!.op).toBe('myMul');
    y.sum().backward();
    expect(seen).toEqual([true, false]);
    expect(a.grad!.toArray()).toEqual([2, 2]);
  });

  it('an op without backward is not differentiable: its output does not require grad', () => {
    const floor = defineOp<[Tensor]>({
      name: 'floor',
      forward: (_ctx, [x]) => tensor(Array.from(x.toTypedArray(), Math.floor), { dtype: 'float64' }),
    });
    const y = floor([f64([1.5, -0.5], true)], undefined);
    expect(y.toArray()).toEqual([1, -1]);
    expect(y.requiresGrad).toBe(false);
  });

  it('the engine checks the gradient shape and names the op and both shapes', () => {
    const bad = defineOp<[Tensor]>({
      name: 'badShape',
      forward: (_ctx, [x]) => x.mul(2),
      backward: (_ctx, g) => [g.sum(0)], // [3] instead of [2, 3]
    });
    const x = f64([[1, 2, 3], [4, 5, 6]], true);
    expect(() => bad([x], undefined).sum().backward()).toThrow(AutogradError);
    expect(() => bad([x], undefined).sum().backward()).toThrow(
      'backward: the backward of badShape returned a gradient of shape [3] for input 0, which has shape [2, 3]',
    );
    expect(() => grad(bad([x], undefined).sum(), x)).toThrow(/^grad: the backward of badShape returned a gradient of shape \[3\]/);
    expect(x.grad).toBeNull();
  });

  it('a float64 gradient into a float32 input is cast to the input’s dtype', () => {
    const up = defineOp<[Tensor]>({
      name: 'toDouble',
      forward: (_ctx, [x]) => x.double(),
      backward: (_ctx, g) => [g],
    });
    const x = tensor([1, 2], { requiresGrad: true });
    up([x], undefined).mul(f64([0.1, 0.2])).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.toArray()).toEqual([Math.fround(0.1), Math.fround(0.2)]);
  });
});

describe('ops with hand-computed gradients', () => {
  it('leakyRelu: 1 above 0, the slope below', () => {
    const x = f64([-2, 3], true);
    x.leakyRelu(0.1).mul(f64([5, 7])).sum().backward();
    expect(x.grad!.toArray()).toEqual([0.5, 7]);
  });

  it('broadcast add sums the gradient back over the broadcast dims', () => {
    const a = f64([[1, 2, 3], [4, 5, 6]], true);
    const b = f64([10, 20, 30], true);
    a.add(b).mul(a).sum().backward();
    // d/da (a + b)·a = 2a + b; d/db = Σ_rows a = [5, 7, 9]
    expect(a.grad!.toArray()).toEqual([[12, 24, 36], [18, 30, 42]]);
    expect(b.grad!.toArray()).toEqual([5, 7, 9]);
  });
});
