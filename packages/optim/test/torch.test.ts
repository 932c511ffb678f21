// `dialect: 'torch'` and the PyTorch extras against torch.optim 1.13 in float64 (fixtures/torch.json,
// from tools/fixtures/make_optim_fixtures.py): SGD (momentum, dampening, nesterov, weightDecay), Adam
// (weightDecay, amsgrad), AdamW, RMSprop (momentum, centered, weightDecay), Adagrad (lrDecay,
// initialAccumulatorValue, weightDecay).
import { describe, expect, it } from 'vitest';
import { OPTIMIZERS, TOL, caseLabel, expectAllClose, loadFixture, makeProblem, type TrajectoryCase, type TrajectoryFixture } from './helpers.js';

const fx = loadFixture<TrajectoryFixture>('torch.json');

function run(c: TrajectoryCase, options: Record<string, unknown>): void {
  const { params, loss } = makeProblem(fx.problems[c.problem]!, c.problem, 'float64');
  const opt = new OPTIMIZERS[c.optimizer](params, options);
  for (let step = 1; step <= fx.steps; step++) {
    opt.zeroGrad();
    loss().backward();
    opt.step();
    for (const [name, p] of params) expectAllClose(p, c.trajectory[name]![step]!, TOL.float64, `${caseLabel(c)} "${name}" at step ${step}`);
  }
}

/** PyTorch's defaults where the notebook's differ, spelled as Tensile options. */
const TORCH_DEFAULTS: Record<string, Record<string, number>> = {
  SGD: {},
  Adam: { eps: 1e-8 },
  AdamW: { eps: 1e-8 },
  RMSProp: { lr: 0.01, decay: 0.99, eps: 1e-8 },
  AdaGrad: { eps: 1e-10 },
};

describe("dialect: 'torch' matches torch.optim 1.13", () => {
  for (const c of fx.cases) it(caseLabel(c), () => run(c, { ...c.options, dialect: 'torch' }));
});

describe("the notebook's formulas with PyTorch's defaults match torch.optim while lr is constant", () => {
  // The extras follow PyTorch's formulas in both dialects; SGD's dampening differs on the first step
  // (the notebook's buffer starts at zero, PyTorch's at the first gradient), so it is left out.
  for (const c of fx.cases.filter((c) => c.options.dampening === undefined)) {
    it(caseLabel(c), () => run(c, { ...TORCH_DEFAULTS[c.optimizer], ...c.options }));
  }
});

describe('the torch dialect changes the defaults, not the option names', () => {
  it('RMSProp: lr 0.01, decay (alpha) 0.99, eps 1e-8; Adam: eps 1e-8; AdaGrad: eps 1e-10; AdamW: weightDecay 0.01', () => {
    const { params } = makeProblem(fx.problems.rosenbrock!, 'rosenbrock', 'float64');
    expect(new OPTIMIZERS.RMSProp(params, { dialect: 'torch' }).defaults).toMatchObject({ lr: 0.01, decay: 0.99, eps: 1e-8, dialect: 'torch' });
    expect(new OPTIMIZERS.RMSProp(params).defaults).toMatchObject({ lr: 0.001, decay: 0.9, eps: 1e-7, dialect: 'notebook' });
    expect(new OPTIMIZERS.Adam(params, { dialect: 'torch' }).defaults).toMatchObject({ lr: 0.001, decay1: 0.9, decay2: 0.999, eps: 1e-8 });
    expect(new OPTIMIZERS.AdaGrad(params, { dialect: 'torch' }).defaults).toMatchObject({ lr: 0.01, eps: 1e-10 });
    expect(new OPTIMIZERS.AdamW(params, { dialect: 'torch' }).defaults).toMatchObject({ weightDecay: 0.01, eps: 1e-8 });
    expect(new OPTIMIZERS.AdamW(params).defaults).toMatchObject({ weightDecay: 0.01, eps: 1e-7 });
  });
});
