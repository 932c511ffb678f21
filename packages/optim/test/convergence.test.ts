// Every optimizer (both dialects, with its extras) drives the Rosenbrock function to its minimum (1, 1)
// and a small least-squares regression to its closed-form solution.
import { describe, expect, it } from 'vitest';
import { Tensor, sub, tensor } from '@tensile/tensor';
import {
  AdaGrad, Adam, AdamW, CosineAnnealingLR, ExponentialLR, LinearLR, RMSProp, SGD, SequentialLR, type Optimizer,
} from '../src/index.js';
import { loadFixture, makeProblem, type TrajectoryFixture } from './helpers.js';

type Make = (params: [string, Tensor][]) => Optimizer<{ lr: number }, never>;
const decay = (lr: number, gamma: number) => new ExponentialLR({ lr, gamma });

// [label, optimizer, steps]
const ROSENBROCK: [string, Make, number][] = [
  ['SGD', (p) => new SGD(p, { lr: 1.9e-3 }) as never, 9000],
  ['SGD momentum', (p) => new SGD(p, { lr: 1e-3, momentum: 0.9 }) as never, 2500],
  ['SGD nesterov (torch)', (p) => new SGD(p, { lr: 1e-3, momentum: 0.9, nesterov: true, dialect: 'torch' }) as never, 2500],
  ['SGD momentum + clipNorm', (p) => new SGD(p, { lr: 1e-3, momentum: 0.9, clipNorm: 10 }) as never, 2500],
  ['AdaGrad', (p) => new AdaGrad(p, { lr: 0.5 }) as never, 9000],
  ['AdaGrad (torch)', (p) => new AdaGrad(p, { lr: 0.5, dialect: 'torch' }) as never, 9000],
  ['RMSProp + ExponentialLR', (p) => new RMSProp(p, { lr: 1e-2, scheduler: decay(1e-2, 0.999) }) as never, 6000],
  ['RMSProp centered momentum (torch)', (p) => new RMSProp(p, { lr: 1e-4, momentum: 0.9, centered: true, dialect: 'torch' }) as never, 4000],
  ['Adam + ExponentialLR', (p) => new Adam(p, { lr: 0.02, scheduler: decay(0.02, 0.9997) }) as never, 6000],
  ['Adam amsgrad', (p) => new Adam(p, { lr: 0.02, amsgrad: true }) as never, 7000],
  ['Adam (torch) + warmup then cosine', (p) => new Adam(p, {
    lr: 0.05, dialect: 'torch',
    scheduler: new SequentialLR({ schedulers: [new LinearLR({ lr: 0.05, startFactor: 0.1, totalIters: 100 }), new CosineAnnealingLR({ lr: 0.05, tMax: 5900, etaMin: 1e-4 })], milestones: [100] }),
  }) as never, 6000],
  ['AdamW', (p) => new AdamW(p, { lr: 0.02, weightDecay: 1e-4, scheduler: decay(0.02, 0.9997) }) as never, 6000],
];

describe('Rosenbrock: every optimizer reaches (1, 1)', () => {
  for (const [label, make, steps] of ROSENBROCK) {
    it(label, () => {
      const xy = tensor([-1.2, 1], { dtype: 'float64', requiresGrad: true });
      const opt = make([['xy', xy]]);
      const f = () => {
        const x = xy.narrow(0, 0, 1), y = xy.narrow(0, 1, 1);
        return sub(1, x).square().add(y.sub(x.square()).square().mul(100)).sum();
      };
      const start = f().item();
      for (let k = 0; k < steps; k++) {
        opt.zeroGrad();
        const loss = f();
        loss.backward();
        opt.step(loss);
      }
      const [x, y] = xy.toTypedArray();
      expect(Math.abs(x! - 1)).toBeLessThan(1e-3);
      expect(Math.abs(y! - 1)).toBeLessThan(2e-3);
      expect(f().item() / start).toBeLessThan(1e-7);
    });
  }
});

/** Solves the normal equations [X 1]ᵀ[X 1] θ = [X 1]ᵀ Y by Gaussian elimination: θ = [Wᵀ; b]. */
function leastSquares(X: number[][], Y: number[][]): { W: number[][]; b: number[] } {
  const A = X.map((r) => [...r, 1]);
  const n = A[0]!.length, m = Y[0]!.length;
  const M = Array.from({ length: n }, (_, i) => [
    ...Array.from({ length: n }, (_, j) => A.reduce((s, r) => s + r[i]! * r[j]!, 0)),
    ...Array.from({ length: m }, (_, j) => A.reduce((s, r, k) => s + r[i]! * Y[k]![j]!, 0)),
  ]);
  for (let c = 0; c < n; c++) {
    const piv = M.slice(c).reduce((best, r, i) => (Math.abs(r[c]!) > Math.abs(M[best]![c]!) ? c + i : best), c);
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      M[r] = M[r]!.map((v, j) => v - f * M[c]![j]!);
    }
  }
  const theta = M.map((r, i) => r.slice(n).map((v) => v / M[i]![i]!));
  return { W: Array.from({ length: m }, (_, j) => theta.slice(0, n - 1).map((r) => r[j]!)), b: theta[n - 1]! };
}

const REGRESSION: [string, Make, number][] = [
  ['SGD', (p) => new SGD(p, { lr: 0.1 }) as never, 1000],
  ['SGD momentum (torch, weightDecay 0 and dampening)', (p) => new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.1, dialect: 'torch' }) as never, 800],
  ['AdaGrad', (p) => new AdaGrad(p, { lr: 0.5 }) as never, 1500],
  ['AdaGrad lrDecay (torch)', (p) => new AdaGrad(p, { lr: 1, lrDecay: 1e-3, dialect: 'torch' }) as never, 1500],
  ['RMSProp + ExponentialLR', (p) => new RMSProp(p, { lr: 0.01, scheduler: decay(0.01, 0.995) }) as never, 2000],
  ['RMSProp centered (torch)', (p) => new RMSProp(p, { lr: 0.01, centered: true, dialect: 'torch', scheduler: decay(0.01, 0.998) }) as never, 2000],
  ['Adam + cosine', (p) => new Adam(p, { lr: 0.05, scheduler: new CosineAnnealingLR({ lr: 0.05, tMax: 1500 }) }) as never, 1500],
  ['Adam amsgrad clipNorm', (p) => new Adam(p, { lr: 0.05, amsgrad: true, clipNorm: 1, scheduler: new CosineAnnealingLR({ lr: 0.05, tMax: 1500 }) }) as never, 1500],
  ['AdamW (weightDecay 0)', (p) => new AdamW(p, { lr: 0.05, weightDecay: 0, scheduler: new CosineAnnealingLR({ lr: 0.05, tMax: 1500 }) }) as never, 1500],
];

describe('least squares: every optimizer reaches the closed-form solution', () => {
  const fx = loadFixture<TrajectoryFixture>('notebook.json').problems.leastSquares!;
  const rows = (flat: number[], cols: number) => Array.from({ length: flat.length / cols }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
  const { W, b } = leastSquares(rows(fx.X!, fx.xShape![1]!), rows(fx.Y!, fx.yShape![1]!));
  for (const [label, make, steps] of REGRESSION) {
    it(label, () => {
      const { params, loss } = makeProblem(fx, 'leastSquares', 'float64');
      const opt = make(params);
      for (let k = 0; k < steps; k++) {
        opt.zeroGrad();
        const l = loss();
        l.backward();
        opt.step(l);
      }
      const got = Object.fromEntries(params.map(([n, p]) => [n, [...p.toTypedArray()]]));
      got.weight!.forEach((v, i) => expect(Math.abs(v - W.flat()[i]!)).toBeLessThan(1e-4));
      got.bias!.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-4));
    });
  }
});
