// Each built-in optimizer holds its update twice: as tensor ops (the reference, which float64 runs and the
// notebook and PyTorch fixtures check) and as one elementwise expression (the fast path float32 runs). Here
// the two are run side by side on the same parameters and gradients for every variant: in float64 the
// expression keeps the reference's operation order, so they must agree bit for bit; in float32 the fused
// path rounds once per stored value where the tensor ops round after every op, so they agree to float32
// rounding.
import { describe, expect, it } from 'vitest';
import { Generator, getBackend, listBackends, noGrad, randn, setBackend, type DType, type Tensor } from '@tensile/tensor';
import { AdaGrad, Adam, AdamW, RMSProp, SGD, type Optimizer } from '../src/index.js';
import { adagradFused, adagradReference } from '../src/adagrad.js';
import { adamFused, adamReference } from '../src/adam.js';
import { rmspropFused, rmspropReference } from '../src/rmsprop.js';
import { sgdFused, sgdReference } from '../src/sgd.js';
import { expectAllClose } from './helpers.js';

type Path = 'reference' | 'fused';
type Fn = (p: Tensor, g: Tensor, s: never, h: never, decoupled: boolean) => void;

/** A subclass of `Base` that always takes `path`, whatever the dtype. */
function forced(Base: new (...a: never[]) => Optimizer<{ lr: number }, never>, fns: Record<Path, Fn>, path: Path) {
  const C = class extends (Base as unknown as new (...a: unknown[]) => { decoupled?: boolean }) {
    protected updateParam(p: Tensor, g: Tensor, s: never, h: never): void {
      fns[path](p, g, s, h, this.decoupled ?? false);
    }
  };
  return C as unknown as new (params: unknown, opts: Record<string, unknown>) => Optimizer<{ lr: number }, never>;
}

const ADAM = { reference: adamReference, fused: adamFused } as unknown as Record<Path, Fn>;
const CASES: [string, new (...a: never[]) => Optimizer<{ lr: number }, never>, Record<Path, Fn>, Record<string, unknown>][] = [
  ['SGD', SGD as never, { reference: sgdReference, fused: sgdFused } as never, {}],
  ['SGD momentum', SGD as never, { reference: sgdReference, fused: sgdFused } as never, { momentum: 0.9, dampening: 0.1 }],
  ['SGD nesterov + L2', SGD as never, { reference: sgdReference, fused: sgdFused } as never, { momentum: 0.9, nesterov: true, weightDecay: 0.01 }],
  ['SGD torch', SGD as never, { reference: sgdReference, fused: sgdFused } as never, { dialect: 'torch' }],
  ['SGD torch momentum + L2', SGD as never, { reference: sgdReference, fused: sgdFused } as never, { dialect: 'torch', momentum: 0.9, dampening: 0.2, weightDecay: 0.05 }],
  ['SGD torch nesterov', SGD as never, { reference: sgdReference, fused: sgdFused } as never, { dialect: 'torch', momentum: 0.8, nesterov: true }],
  ['AdaGrad', AdaGrad as never, { reference: adagradReference, fused: adagradFused } as never, {}],
  ['AdaGrad lrDecay + L2 + initial', AdaGrad as never, { reference: adagradReference, fused: adagradFused } as never, { lrDecay: 0.1, weightDecay: 0.02, initialAccumulatorValue: 0.1 }],
  ['RMSProp', RMSProp as never, { reference: rmspropReference, fused: rmspropFused } as never, {}],
  ['RMSProp momentum + L2', RMSProp as never, { reference: rmspropReference, fused: rmspropFused } as never, { momentum: 0.9, weightDecay: 0.01 }],
  ['RMSProp centered', RMSProp as never, { reference: rmspropReference, fused: rmspropFused } as never, { centered: true }],
  ['RMSProp centered + momentum', RMSProp as never, { reference: rmspropReference, fused: rmspropFused } as never, { centered: true, momentum: 0.5, dialect: 'torch' }],
  ['Adam', Adam as never, ADAM, {}],
  ['Adam L2', Adam as never, ADAM, { weightDecay: 0.1 }],
  ['Adam amsgrad', Adam as never, ADAM, { amsgrad: true }],
  ['Adam amsgrad + L2', Adam as never, ADAM, { amsgrad: true, weightDecay: 0.1, dialect: 'torch' }],
  ['AdamW', AdamW as never, ADAM, { lr: 0.01, weightDecay: 0.05 }],
  ['AdamW amsgrad', AdamW as never, ADAM, { lr: 0.01, amsgrad: true }],
];

/** Runs 6 steps of `C` on two parameters (one long enough for the wasm kernel), the same gradients each time. */
function run(C: new (params: unknown, opts: Record<string, unknown>) => Optimizer<{ lr: number }, never>, opts: Record<string, unknown>, dtype: DType): Float64Array[] {
  const gen = new Generator().manualSeed(11);
  const ps = noGrad(() => [randn([3, 5], { dtype, generator: gen }), randn([1500], { dtype, generator: gen })]);
  const opt = new C(ps.map((p, i) => [`p${i}`, p.requiresGrad_()]), { lr: 0.05, ...opts });
  for (let step = 0; step < 6; step++) {
    ps.forEach((p) => (p.grad = randn(p.shape, { dtype, generator: gen }).mul(step === 2 ? 0 : 1)));
    opt.step();
  }
  return ps.map((p) => Float64Array.from(p.toTypedArray()));
}

describe.each(CASES)('%s: the fused expression against the reference tensor ops', (_label, Base, fns, opts) => {
  it('float64: bit for bit', () => {
    const [ref, fused] = (['reference', 'fused'] as const).map((path) => run(forced(Base as never, fns, path), opts, 'float64'));
    ref!.forEach((r, i) => expect(Array.from(fused![i]!)).toEqual(Array.from(r)));
  });

  it('float32: within float32 rounding', () => {
    const [ref, fused] = (['reference', 'fused'] as const).map((path) => run(forced(Base as never, fns, path), opts, 'float32'));
    ref!.forEach((r, i) => expectAllClose(fused![i]!, r, { rtol: 2e-6, atol: 2e-6 }, `param ${i}`));
  });
});

it('the optimizers take the reference path for float64 and the fused one for float32', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    const p = randn([4], { dtype }).requiresGrad_();
    p.grad = randn([4], { dtype });
    new Adam([p]).step();
    expect(p.versionCounter.lastWrite).toBe(dtype === 'float64' ? 'sub_' : 'elementwise_(adam)');
  }
});

describe.runIf(listBackends().includes('wasm'))('on the wasm backend', () => {
  /** 4 Adam or SGD steps in float32 on a 3000-element parameter, on `backend`. */
  function steps(backend: string, make: (p: Tensor) => Optimizer<{ lr: number }, never>): Float32Array {
    const before = getBackend().name;
    setBackend(backend);
    try {
      const gen = new Generator().manualSeed(3);
      const p = randn([3000], { generator: gen }).requiresGrad_();
      const opt = make(p);
      for (let k = 0; k < 4; k++) {
        p.grad = randn([3000], { generator: gen });
        opt.step();
      }
      return p.toTypedArray() as Float32Array;
    } finally {
      setBackend(before);
    }
  }

  it('Adam’s float32 expression is the one the wasm kernel recognises (float32 arithmetic, close to the JS loop)', () => {
    const adam = (p: Tensor) => new Adam([p], { lr: 0.01 }) as never;
    const [wasm, js] = [steps('wasm', adam), steps('js', adam)];
    expect(Array.from(wasm)).not.toEqual(Array.from(js));
    expectAllClose(wasm, js, { rtol: 1e-6, atol: 1e-7 }, 'θ');
  });

  it('an expression the backend does not recognise runs the JS loop there (SGD: bit-identical)', () => {
    const sgd = (p: Tensor) => new SGD([p], { lr: 0.01, momentum: 0.9 }) as never;
    expect(Array.from(steps('wasm', sgd))).toEqual(Array.from(steps('js', sgd)));
  });
});
