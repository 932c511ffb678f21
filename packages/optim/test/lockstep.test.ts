// The reference notebook's SGD, AdaGrad, RMSProp and Adam, step for step: fixtures/notebook.json holds
// trajectories computed by the notebook's own code (tools/fixtures/make_optim_fixtures.py), in float64
// and float32. Both our `step()` and the notebook's functional `update()` must reproduce them.
import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '@tensile/tensor';
import { OPTIMIZERS, TOL, caseLabel, expectAllClose, loadFixture, makeProblem, type TrajectoryFixture } from './helpers.js';

const fx = loadFixture<TrajectoryFixture>('notebook.json');

describe('lockstep with the reference notebook', () => {
  it('covers every optimizer, both problems, both dtypes and both clipNorm branches', () => {
    expect(fx.steps).toBeGreaterThanOrEqual(50);
    for (const name of ['SGD', 'AdaGrad', 'RMSProp', 'Adam']) {
      for (const problem of ['rosenbrock', 'leastSquares']) {
        const cases = fx.cases.filter((c) => c.optimizer === name && c.problem === problem && c.dtype === 'float64');
        expect(cases.some((c) => c.options.clipNorm !== undefined && c.clippedUpdates! > 0)).toBe(true);
        expect(cases.some((c) => c.options.clipNorm !== undefined && c.clippedUpdates === 0)).toBe(true);
        expect(fx.cases.some((c) => c.optimizer === name && c.problem === problem && c.dtype === 'float32')).toBe(true);
      }
    }
    expect(fx.cases.some((c) => c.optimizer === 'SGD' && Number(c.options.momentum ?? 0) > 0)).toBe(true);
  });

  describe('optimizer.step()', () => {
    for (const c of fx.cases) {
      it(caseLabel(c), () => {
        const { params, loss } = makeProblem(fx.problems[c.problem]!, c.problem, c.dtype);
        const opt = new OPTIMIZERS[c.optimizer](params, c.options);
        for (let step = 1; step <= fx.steps; step++) {
          opt.zeroGrad();
          loss().backward();
          opt.step();
          for (const [name, p] of params) {
            expect(p.dtype).toBe(c.dtype);
            expectAllClose(p, c.trajectory[name]![step]!, TOL[c.dtype], `${caseLabel(c)} "${name}" at step ${step}`);
          }
        }
        expect(opt.stepCount).toBe(fx.steps);
      });
    }
  });

  describe("the notebook's functional update(param, grad, name)", () => {
    for (const c of fx.cases.filter((c) => c.dtype === 'float64')) {
      it(caseLabel(c), () => {
        const { params, loss } = makeProblem(fx.problems[c.problem]!, c.problem, c.dtype);
        // As in the notebook: an optimizer without parameters, arrays in a dict, `param = opt.update(...)`.
        const opt = new OPTIMIZERS[c.optimizer](c.options);
        let values: Record<string, Tensor> = Object.fromEntries(params.map(([n, p]) => [n, p.detach().clone()]));
        for (let step = 1; step <= fx.steps; step++) {
          const leaves = Object.fromEntries(Object.entries(values).map(([n, v]) => [n, v.clone().requiresGrad_()]));
          loss(leaves).backward();
          const next: Record<string, Tensor> = {};
          for (const name of Object.keys(values)) {
            const before = values[name]!.toTypedArray();
            next[name] = opt.update(values[name]!, leaves[name]!.grad!, name);
            expectAllClose(values[name]!, before, { rtol: 0, atol: 0 }, 'update() must not change its input');
          }
          values = next;
          for (const name of Object.keys(values)) {
            expectAllClose(values[name]!, c.trajectory[name]![step]!, TOL.float64, `${caseLabel(c)} "${name}" at step ${step}`);
          }
        }
        expect([...opt.state.keys()].sort()).toEqual(Object.keys(values).sort());
      });
    }
  });

  it('one Adam step by hand: with t = 1 the bias corrections cancel, so θ moves by lr·g/(|g| + eps)', () => {
    // mean = 0.1·g, var = 0.001·g²; m̂ = g, v̂ = g²  →  θ − lr·g/(|g| + eps)
    const opt = new OPTIMIZERS.Adam({ lr: 0.1, eps: 1e-8 });
    const out = opt.update(tensor([1, 2], { dtype: 'float64' }), tensor([0.5, -4], { dtype: 'float64' }), 'w');
    expectAllClose(out, [1 - (0.1 * 0.5) / (0.5 + 1e-8), 2 + (0.1 * 4) / (4 + 1e-8)], TOL.float64, 'Adam step 1');
  });

  it('two SGD steps with momentum by hand', () => {
    // u1 = lr·g = 0.1·[1, −2]; θ1 = θ0 − u1.  u2 = 0.9·u1 + 0.1·g2; θ2 = θ1 − u2.
    const opt = new OPTIMIZERS.SGD({ lr: 0.1, momentum: 0.9 });
    const g1 = tensor([1, -2], { dtype: 'float64' }), g2 = tensor([3, 0], { dtype: 'float64' });
    const th1 = opt.update(tensor([0, 0], { dtype: 'float64' }), g1, 'w');
    const th2 = opt.update(th1, g2, 'w');
    expectAllClose(th1, [-0.1, 0.2], TOL.float64, 'step 1');
    expectAllClose(th2, [-0.1 - (0.09 + 0.3), 0.2 - -0.18], TOL.float64, 'step 2');
  });
});
