import { describe, expect, it } from 'vitest';
import { KingScheduler, stepsWithoutDecrease } from './king.js';

/** A seeded uniform in [0, 1) (mulberry32), so the noisy losses are the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function lrs(s: KingScheduler, losses: readonly number[]): number[] {
  return losses.map((l, i) => s.lr(i + 1, l));
}

describe('stepsWithoutDecrease (dlib count_steps_without_decrease)', () => {
  it('is 0 for a steadily falling loss and the whole length for a rising one', () => {
    expect(stepsWithoutDecrease([5, 4, 3, 2, 1])).toBe(0);
    expect(stepsWithoutDecrease([1, 2, 3, 4, 5])).toBe(5);
  });
  it('counts back from the end while a fitted line is not confidently falling', () => {
    // last 3 and last 4 are flat (slope 0, P(decrease) = 0.5 < 0.51); with 4 or 5 in front the fit falls.
    expect(stepsWithoutDecrease([5, 4, 3, 3, 3, 3])).toBe(4);
  });
  it('the robust count ignores spikes above the 90th percentile', () => {
    const falling = Array.from({ length: 20 }, (_, i) => 20 - i);
    falling[18] = 100; // one spike near the end makes the plain fit rise
    expect(stepsWithoutDecrease(falling)).toBeGreaterThan(0);
    expect(stepsWithoutDecrease(falling, true)).toBe(0);
  });
});

describe('KingScheduler (dlib rule)', () => {
  it('never decays while the loss keeps falling, even with noise', () => {
    const r = rng(1);
    const losses = Array.from({ length: 600 }, (_, i) => 10 / (1 + 0.01 * i) + 0.01 * r());
    expect(new Set(lrs(new KingScheduler({ initialLr: 0.1, patience: 50 }), losses))).toEqual(new Set([0.1]));
  });

  it('on a rising loss decays once the history is full, then waits for the history to refill', () => {
    const s = new KingScheduler({ initialLr: 0.1, patience: 50, decay: 0.5 });
    const out = lrs(s, Array.from({ length: 100 }, (_, i) => 1 + 0.001 * i));
    // The rate at step k comes from the losses before k: step 50's loss fills the history, so step 51
    // is the first decayed step. Then 10 (dumpAmount) + 5 (patience/10) losses are dropped, so the next
    // decay needs 15 more: it shows at step 66, and the next at 81.
    expect(out.slice(0, 50).every((v) => v === 0.1)).toBe(true);
    expect(out.slice(50, 65).every((v) => v === 0.05)).toBe(true);
    expect(out.slice(65, 80).every((v) => v === 0.025)).toBe(true);
    expect(out[80]).toBe(0.0125);
  });

  it("decays at numpy-ml's default patience of 1000 (numpy-ml's never does)", () => {
    const r = rng(2);
    const s = new KingScheduler();
    const out = lrs(s, Array.from({ length: 1001 }, () => 1 + 0.1 * r()));
    expect(out[999]).toBe(0.01);
    expect(out[1000]).toBeCloseTo(0.0099, 15);
  });

  it('decays on a noisy plateau after a fall, not during the fall', () => {
    const r = rng(3);
    const losses = [...Array.from({ length: 200 }, (_, i) => 5 - 0.02 * i + 0.05 * r()), ...Array.from({ length: 200 }, () => 1 + 0.05 * r())];
    const out = lrs(new KingScheduler({ initialLr: 1, patience: 60, decay: 0.9 }), losses);
    expect(out.slice(0, 200).every((v) => v === 1)).toBe(true);
    expect(out[399]).toBeLessThan(1);
  });

  it('records each step once (asking twice for one step changes nothing) and round-trips its state', () => {
    const a = new KingScheduler({ initialLr: 1, patience: 5, decay: 0.5 });
    const b = new KingScheduler({ initialLr: 1, patience: 5, decay: 0.5 });
    for (let k = 1; k <= 7; k++) {
      a.lr(k, k);
      a.lr(k, 1000); // ignored: step k was recorded
      b.lr(k, k);
    }
    expect(a.stateDict()).toEqual(b.stateDict());
    const c = new KingScheduler({ initialLr: 1, patience: 5, decay: 0.5 });
    c.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    for (let k = 8; k <= 20; k++) expect(c.lr(k, k)).toBe(a.lr(k, k));
    expect(() => c.loadStateDict({ name: 'KingScheduler', lr: -1, history: [], lastStep: 0, stepLr: 1 })).toThrow(/invalid lr. Nothing was loaded/);
    expect(() => c.loadStateDict({ name: 'StepLR' })).toThrow(/the state is for "StepLR", not KingScheduler/);
  });
});
