import { describe, expect, it } from 'vitest';
import { NonFiniteLossError, type MetricsRecord } from '@tensile/train';
import { DIVERGED_LOSS, DivergenceError } from './divergence.js';

const step = (n: number, loss: number): MetricsRecord => ({ type: 'step', epoch: 1, step: n, batch: n, lr: 0.1, metrics: { loss } });

describe('DivergenceError', () => {
  it('names the epoch, the batch, the step and the last finite loss of the run\'s records', () => {
    const e = new NonFiniteLossError('fit: …', 7, 2, 2, NaN);
    const d = DivergenceError.from(e, [step(5, 0.8), step(6, 0.712345678)]);
    expect(d.message).toBe("the training loss became NaN at epoch 2, batch 2 (step 7); the last finite loss was 0.71235 at step 6. Training stopped before this step's update");
    expect([d.epoch, d.batch, d.step, d.lastFinite]).toEqual([2, 2, 7, { loss: 0.712345678, step: 6 }]);
  });

  it('says a finite loss past the bound has diverged, and that no step before had a finite loss on the first', () => {
    const past = DivergenceError.from(new NonFiniteLossError('fit: …', 1, 1, 1, 5.1234e15), []);
    expect(past.message).toBe(
      `the training loss became 5.1234e+15, past ${DIVERGED_LOSS.toLocaleString('en-US')} (it has diverged) at epoch 1, batch 1 (step 1); no earlier step had a finite loss. Training stopped before this step's update`,
    );
    expect(new DivergenceError(-Infinity, 3, 4, 20, null).message).toMatch(/^the training loss became -Infinity at epoch 3, batch 4 \(step 20\); no earlier step/);
  });
});
