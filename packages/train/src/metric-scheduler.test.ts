import { describe, expect, it } from 'vitest';
import { Linear } from '@tensile/nn';
import { KingScheduler, ReduceLROnPlateau, SGD, StateDictError } from '@tensile/optim';
import { MetricScheduler } from './metric-scheduler.js';

describe('MetricScheduler', () => {
  it('gives ReduceLROnPlateau one value per epoch, as PyTorch\'s scheduler.step(val_loss)', () => {
    const s = new MetricScheduler(new ReduceLROnPlateau({ lr: 1, factor: 0.5, patience: 1 }), { monitor: 'val.loss' });
    // PyTorch: best 1 → 0.9 (better) → 0.95, 0.96 (two bad epochs > patience 1: halve) → 0.5 (better) → 0.6, 0.7 (halve).
    const rates = [1, 0.9, 0.95, 0.96, 0.5, 0.6, 0.7].map((v) => {
      s.observe(v);
      return s.lr(1);
    });
    expect(rates).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25]);
    expect(s.count).toBe(7);
  });

  it('is the optimizer\'s scheduler: every step between observations gets the same rate, and its state is in the optimizer\'s', () => {
    const model = new Linear(2, 1);
    const scheduler = new MetricScheduler(new ReduceLROnPlateau({ lr: 0.1, factor: 0.1, patience: 0 }), { monitor: 'val.loss' });
    const opt = new SGD(model, { lr: 0.1, scheduler });
    opt.step(5);
    opt.step(1); // the step losses are not what it watches
    expect(opt.lastLr).toEqual([0.1]);
    scheduler.observe(2);
    scheduler.observe(3); // worse: 0.1 × 0.1
    opt.step(1);
    expect(opt.lastLr[0]).toBeCloseTo(0.01, 15);
    const sd = opt.stateDict();
    expect(sd.scheduler).toMatchObject({ name: 'MetricScheduler(ReduceLROnPlateau)', monitor: 'val.loss', observations: 2 });

    const fresh = new MetricScheduler(new ReduceLROnPlateau({ lr: 0.1, factor: 0.1, patience: 0 }), { monitor: 'val.loss' });
    new SGD(new Linear(2, 1), { lr: 0.1, scheduler: fresh }).loadStateDict(sd);
    expect(fresh.lr(3)).toBe(scheduler.lr(3));
    fresh.observe(4);
    scheduler.observe(4);
    expect(fresh.stateDict()).toEqual(scheduler.stateDict());
  });

  it('wraps the King scheduler too, and refuses state of another monitor or scheduler, changing nothing', () => {
    const king = new MetricScheduler(new KingScheduler({ initialLr: 0.5, patience: 3 }), { monitor: 'train.loss' });
    for (const v of [1, 1, 1, 1, 1]) king.observe(v);
    expect(king.lr(1)).toBeLessThan(0.5); // a flat history has no decrease: King decays the rate
    const plateau = new MetricScheduler(new ReduceLROnPlateau({ lr: 0.5 }), { monitor: 'val.loss' });
    const before = plateau.stateDict();
    expect(() => plateau.loadStateDict(king.stateDict())).toThrow(StateDictError);
    const other = new MetricScheduler(new ReduceLROnPlateau({ lr: 0.5 }), { monitor: 'val.accuracy' });
    expect(() => plateau.loadStateDict(other.stateDict())).toThrow(
      'MetricScheduler(ReduceLROnPlateau).loadStateDict: monitor is "val.accuracy" in the state but "val.loss" here. Nothing was loaded.',
    );
    expect(plateau.stateDict()).toEqual(before);
    expect(() => new MetricScheduler(new ReduceLROnPlateau({ lr: 1 }), { monitor: 'loss' })).toThrow(/monitor must be "train\.<metric>" or "val\.<metric>"/);
  });
});
