// W1: MLP 784-128-10, batch 64, Adam, full training step (forward, cross-entropy, backward, step).
// W1-guard: the same step with Tensile's NaN guard on (every op output, gradient and updated parameter
// checked for NaN/Inf, as `fit` does by default). Its cost is judged on a paired measurement (guard off
// and on interleaved step by step in this process; target: under 5%), which a shared machine's load
// disturbs far less than the two separately timed figures.
import { setNanGuard } from '@tensile/tensor';
import { measurePaired } from './harness.js';
import { mlp } from './models.js';
import { buildTrainCase, type TrainSpec } from './train-workload.js';
import type { Workload } from './workload.js';

export const W1_SPEC: TrainSpec = {
  id: 'W1',
  title: 'MLP 784-128-10, batch 64, Adam step',
  batch: 64,
  inputShape: [784],
  tfInputShape: [784],
  tensileModel: () => mlp([784, 128, 10]),
  tfModel: (peer) => peer.tfMlp([784, 128, 10]),
};

const workload: Workload = {
  id: 'W1',
  title: W1_SPEC.title,
  variants: [
    { id: 'W1', workload: 'W1', label: W1_SPEC.title, unit: 'samples/s' },
    { id: 'W1-guard', workload: 'W1', label: `${W1_SPEC.title}, NaN guard on`, unit: 'samples/s', tensileOnly: true },
  ],
  notApplicable(fw, v) {
    return v.id === 'W1-guard' && fw.kind !== 'tensile' ? 'the NaN guard is Tensile’s' : undefined;
  },
  async build(fw, v) {
    const c = await buildTrainCase(W1_SPEC, fw);
    if (v.id !== 'W1-guard') return c;
    const step = c.fn;
    const guarded = (): void => {
      const prev = setNanGuard(true);
      try {
        step();
      } finally {
        setNanGuard(prev);
      }
    };
    return {
      ...c,
      fn: guarded,
      // The figure the target is judged on: the same model and batch, one step with the guard off and one
      // with it on per round, alternating which goes first, so the other processes' load falls on both.
      paired: (seconds) => measurePaired(step, guarded, { seconds, warmupSeconds: Math.min(2, seconds / 5) }),
    };
  },
};

export default workload;
