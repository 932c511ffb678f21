import { describe, expect, it } from 'vitest';
import { checkpoint, earlyStopping, type FitContext } from './callbacks.js';
import type { EpochRecord } from './history.js';

const record = (epoch: number, val: Record<string, number>): EpochRecord => ({ type: 'epoch', epoch, step: epoch * 10, lr: 0.1, train: { loss: 1 }, val, seconds: 0, samplesPerSec: 0 });

/** Feeds one value per epoch; returns the epoch at which it asked to stop and its message (or null). */
function stopsAt(cb: ReturnType<typeof earlyStopping>, metric: string, values: number[]): [number, string] | null {
  let stopped: [number, string] | null = null;
  values.forEach((v, i) => {
    const ctx = { stop: (message: string) => (stopped ??= [i + 1, message]) } as unknown as FitContext;
    if (!stopped) void cb.onEpochEnd!(ctx, record(i + 1, { [metric]: v }));
  });
  return stopped;
}

describe('earlyStopping', () => {
  it('stops after `patience` epochs without an improvement larger than minDelta', () => {
    expect(stopsAt(earlyStopping({ patience: 2 }), 'loss', [1, 0.9, 0.95, 0.91, 0.5])).toEqual([4, 'val.loss has not improved for 2 epochs (best 0.9 at epoch 2)']);
    expect(stopsAt(earlyStopping({ patience: 2, minDelta: 0.2 }), 'loss', [1, 0.9, 0.85, 0.5])).toEqual([3, 'val.loss has not improved for 2 epochs (best 1 at epoch 1)']);
    expect(stopsAt(earlyStopping(), 'loss', [1, 0.9, 0.8, 0.8])).toEqual([4, 'val.loss has not improved for 1 epoch (best 0.8 at epoch 3)']);
    expect(stopsAt(earlyStopping({ monitor: 'val.accuracy', mode: 'max', patience: 1 }), 'accuracy', [0.5, 0.6, 0.6, 0.7])).toEqual([3, expect.stringMatching(/^val\.accuracy has not improved/)]);
    // NaN is never an improvement; the first number after it is.
    expect(stopsAt(earlyStopping({ patience: 2 }), 'loss', [NaN, 2, 1])).toBeNull();
    expect(stopsAt(earlyStopping({ patience: 1 }), 'loss', [NaN, 2])).toEqual([1, 'val.loss has not improved for 1 epoch (no number yet)']);
  });

  it('saves and restores its count, refusing a state of another monitor', () => {
    const a = earlyStopping({ patience: 3 });
    stopsAt(a, 'loss', [1, 2]);
    expect(a.stateDict!()).toEqual({ monitor: 'val.loss', best: 1, bestEpoch: 1, wait: 1 });
    const b = earlyStopping({ patience: 3 });
    b.loadStateDict!(a.stateDict!());
    expect([b.best, b.wait]).toEqual([1, 1]);
    const other = earlyStopping({ monitor: 'val.accuracy' });
    expect(() => other.loadStateDict!(a.stateDict!())).toThrow(/^earlyStopping\.loadStateDict: expected \{ monitor: "val\.accuracy", best, bestEpoch, wait \}/);
    expect([other.best, other.wait]).toEqual([null, 0]);
    expect(() => stopsAt(earlyStopping({ monitor: 'val.mae' }), 'loss', [1])).toThrow('earlyStopping: the epoch record has no "val.mae" (it has train.loss, val.loss, lr)');
  });

  it('checks its options', () => {
    expect(() => earlyStopping({ patience: -1 })).toThrow('earlyStopping: patience must be an integer ≥ 0, got -1');
    expect(() => earlyStopping({ mode: 'up' as never })).toThrow("earlyStopping: mode must be 'min' or 'max', got \"up\"");
    expect(() => earlyStopping({ min_delta: 0.1 } as never)).toThrow(/unknown option "min_delta" \(did you mean minDelta\?\)/);
    expect(() => checkpoint({ save: () => {}, everySteps: 1.5 })).toThrow('checkpoint: everySteps must be an integer ≥ 0, got 1.5');
    expect(() => checkpoint({} as never)).toThrow('checkpoint: save must be a function (state) => void | Promise<void>');
  });
});
