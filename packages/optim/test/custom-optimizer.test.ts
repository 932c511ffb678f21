// A user-defined optimizer is static defaults, an initial state and one update: Lion (Chen et al. 2023,
// "Symbolic Discovery of Optimization Algorithms") in under 40 lines, with the built-ins' fast path: its
// update as one elementwise expression (float32) beside the readable tensor ops (float64). The same snippet is in README.md.
import { describe, expect, it } from 'vitest';
import { Generator, Tensor, defineElementwise, elementwise_, noGrad, randn, sub, tensor, zerosLike } from '@tensile/tensor';
import { CosineAnnealingLR, Optimizer, rules, type Hyper } from '../src/index.js';
import { TOL, expectAllClose } from './helpers.js';

// --- README snippet begins ---
type LionHyper = { lr: number; decay1: number; decay2: number; weightDecay: number };
type LionState = { mean: Tensor };

/** Lion's step for one element, run in one pass over memory (float32 takes it). */
const lionStep = defineElementwise({
  name: 'lion', write: ['param', 'mean'], read: ['grad'], scalars: ['lr', 'decay1', 'decay2', 'shrink'],
  body: `param = param * shrink - sign(mean * decay1 + grad * (1 - decay1)) * lr
         mean = mean * decay2 + grad * (1 - decay2)`,
});

/** Lion: the sign of an interpolated momentum is the update. Defaults from the paper. */
class Lion extends Optimizer<LionHyper, LionState> {
  static override readonly defaults = { lr: 1e-4, decay1: 0.9, decay2: 0.99, weightDecay: 0 };
  static override readonly rules = { decay1: rules.decayRate, decay2: rules.decayRate };

  protected initState(param: Tensor): LionState {
    return { mean: zerosLike(param) };
  }

  protected updateParam(param: Tensor, grad: Tensor, s: LionState, { lr, decay1, decay2, weightDecay }: Hyper<LionHyper>): void {
    if (param.dtype === 'float32') {
      elementwise_(lionStep, { param, mean: s.mean, grad }, { lr, decay1, decay2, shrink: 1 - lr * weightDecay });
      return;
    }
    // The reference, in tensor ops (float64 takes it); the expression above is the same arithmetic.
    const direction = s.mean.mul(decay1).add(grad, 1 - decay1).sign(); // sign(β1·m + (1 − β1)·g)
    param.mul_(1 - lr * weightDecay).sub_(direction, lr);                // θ ← θ·(1 − lr·λ) − lr·direction
    s.mean.mul_(decay2).add_(grad, 1 - decay2);                        // m ← β2·m + (1 − β2)·g
  }
}
// --- README snippet ends ---

describe('a user-defined optimizer (Lion)', () => {
  it('is short', async () => {
    const { readFileSync } = await import('node:fs');
    const src = readFileSync(new URL(import.meta.url), 'utf8');
    const snippet = src.slice(src.indexOf('// --- README snippet begins ---'), src.indexOf('// --- README snippet ends ---'));
    expect(snippet.split('\n').length - 2).toBeLessThan(40);
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(snippet.split('\n').slice(1, -1).join('\n'));
  });

  it('two steps by hand', () => {
    // m0 = 0; step 1: dir = sign(0.1·g1) = [1, −1, 0]; θ1 = θ0·(1 − 0.1·0.5) − 0.1·dir; m1 = 0.01·g1
    // step 2: dir = sign(0.9·m1 + 0.1·g2) = sign(0.009·g1 + 0.1·g2)
    const p = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const opt = new Lion([['p', p]], { lr: 0.1, weightDecay: 0.5 });
    p.grad = tensor([2, -3, 0], { dtype: 'float64' });
    opt.step();
    const th1 = [1 * 0.95 - 0.1, 2 * 0.95 + 0.1, 3 * 0.95];
    expectAllClose(p, th1, TOL.float64, 'step 1');
    p.grad = tensor([-1, -1, 1], { dtype: 'float64' });
    opt.step();
    // 0.009·[2, −3, 0] + 0.1·[−1, −1, 1] = [−0.082, −0.127, 0.1] → signs [−1, −1, 1]
    expectAllClose(p, [th1[0]! * 0.95 + 0.1, th1[1]! * 0.95 + 0.1, th1[2]! * 0.95 - 0.1], TOL.float64, 'step 2');
  });

  it('gets the base class for free: validation, names, state dicts, the functional form, convergence', () => {
    expect(() => new Lion([tensor([1], { requiresGrad: true })], { decay1: 1 })).toThrow('Lion: decay1 must be in [0, 1), got 1');
    expect(() => new Lion([tensor([1], { requiresGrad: true })], { weightDecay: -1 })).toThrow('Lion: weightDecay must be a finite number ≥ 0, got -1');
    expect(() => new Lion([tensor([1], { requiresGrad: true })], { beta1: 0.9 } as never)).toThrow(/Lion: unknown option "beta1" \(Tensile calls it decay1\)/);

    const xy = tensor([-1.2, 1], { dtype: 'float64', requiresGrad: true });
    const opt = new Lion([['xy', xy]], { lr: 3e-3, scheduler: new CosineAnnealingLR({ lr: 3e-3, tMax: 4000 }) });
    for (let k = 0; k < 4000; k++) {
      opt.zeroGrad();
      const x = xy.narrow(0, 0, 1), y = xy.narrow(0, 1, 1);
      sub(1, x).square().add(y.sub(x.square()).square().mul(100)).sum().backward();
      opt.step();
    }
    const [x, y] = xy.toTypedArray();
    expect(Math.abs(x! - 1)).toBeLessThan(1e-3);
    expect(Math.abs(y! - 1)).toBeLessThan(2e-3);

    const again = new Lion([['xy', xy.detach().clone().requiresGrad_()]], { scheduler: new CosineAnnealingLR({ lr: 3e-3, tMax: 4000 }) });
    again.loadStateDict(opt.stateDict());
    expect(again.stepCount).toBe(4000);
    expect(new Lion({ lr: 1e-3 }).update(tensor([0]), tensor([1]), 'w').item()).toBeCloseTo(-1e-3, 9);
  });

  it('gets the built-ins’ fast path: the expression equals the tensor ops bit for bit (float64), and float32 runs it', () => {
    const gen = new Generator().manualSeed(4);
    const p = randn([50], { dtype: 'float64', generator: gen }).requiresGrad_();
    const q = p.detach().clone(), mean = zerosLike(q);
    const opt = new Lion([['p', p]], { lr: 0.01, weightDecay: 0.1 });
    for (let k = 0; k < 3; k++) {
      const g = randn([50], { dtype: 'float64', generator: gen });
      p.grad = g;
      opt.step();
      noGrad(() => elementwise_(lionStep, { param: q, mean, grad: g }, { lr: 0.01, decay1: 0.9, decay2: 0.99, shrink: 1 - 0.01 * 0.1 }));
    }
    expect(Array.from(q.toTypedArray())).toEqual(Array.from(p.toTypedArray()));
    expect(Array.from(mean.toTypedArray())).toEqual(Array.from(opt.state.get('p')!.mean.toTypedArray()));

    const w = randn([50], { generator: gen }).requiresGrad_();
    w.grad = randn([50], { generator: gen });
    new Lion([w]).step();
    expect(w.versionCounter.lastWrite).toBe('elementwise_(lion)');
  });
});
