// Every loss against PyTorch (tools/fixtures/make_nn_fixtures.py), with each reduction and its options:
// the value, the input's gradient and, for float targets that require grad, the target's gradient.
// Each is also checked through its module form.
import { describe, expect, test } from 'vitest';
import type { Tensor } from '@tensile/tensor';
import * as nn from '../src/index.js';
import { expectAllClose, fromFixture, loadJson, type FixtureTensor } from './helpers.js';

interface LossCase {
  fn: string;
  opts: Record<string, number | boolean | FixtureTensor>;
  input: FixtureTensor;
  target: FixtureTensor;
  targetRequiresGrad: boolean;
  checkGrads: boolean;
  results: Record<string, { output: FixtureTensor; gradOutput: FixtureTensor; gradInput: FixtureTensor | null; gradTarget: FixtureTensor | null }>;
}

type LossFn = (input: Tensor, target: Tensor, opts: object) => Tensor;
const fns: Record<string, LossFn> = {
  crossEntropy: nn.crossEntropy, nllLoss: nn.nllLoss, mseLoss: nn.mseLoss, l1Loss: nn.l1Loss, huberLoss: nn.huberLoss,
  smoothL1Loss: nn.smoothL1Loss, binaryCrossEntropy: nn.binaryCrossEntropy,
  binaryCrossEntropyWithLogits: nn.binaryCrossEntropyWithLogits, klDiv: nn.klDiv as LossFn,
};
const modules: Record<string, new (opts: object) => { forward(a: Tensor, b: Tensor): Tensor }> = {
  crossEntropy: nn.CrossEntropyLoss, nllLoss: nn.NLLLoss, mseLoss: nn.MSELoss, l1Loss: nn.L1Loss, huberLoss: nn.HuberLoss,
  smoothL1Loss: nn.SmoothL1Loss, binaryCrossEntropy: nn.BCELoss, binaryCrossEntropyWithLogits: nn.BCEWithLogitsLoss,
  klDiv: nn.KLDivLoss as never,
};

const cases = loadJson<Record<string, LossCase>>('losses.json');

function options(c: LossCase, reduction: string): object {
  const o: Record<string, unknown> = { reduction };
  for (const [k, v] of Object.entries(c.opts)) o[k] = typeof v === 'object' ? fromFixture(v) : v;
  return o;
}

describe('losses match PyTorch', () => {
  test('the fixtures cover every loss', () => {
    expect(new Set(Object.values(cases).map((c) => c.fn))).toEqual(new Set(Object.keys(fns)));
  });

  const runs = Object.entries(cases).flatMap(([name, c]) => Object.keys(c.results).map((r) => [`${name} (${r})`, c, r] as const));
  test.each(runs)('%s', (_label, c, reduction) => {
    const expected = c.results[reduction]!;
    for (const form of ['function', 'module'] as const) {
      const x = fromFixture(c.input, { requiresGrad: true });
      const t = fromFixture(c.target, { requiresGrad: c.targetRequiresGrad });
      const opts = options(c, reduction);
      const loss = form === 'function' ? fns[c.fn]!(x, t, opts) : new modules[c.fn]!(opts).forward(x, t);
      expectAllClose(loss, expected.output, { label: `${form} value` });
      if (!c.checkGrads) continue;
      loss.backward(fromFixture(expected.gradOutput));
      expectAllClose(x.grad, expected.gradInput!, { label: `${form} input gradient` });
      if (c.targetRequiresGrad) expectAllClose(t.grad, expected.gradTarget!, { label: `${form} target gradient` });
    }
  });
});
