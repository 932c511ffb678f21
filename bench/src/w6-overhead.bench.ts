// W6: per-op overhead, a 1-element float32 add, with and without autograd recording; ops/s.
// Untracked: neither input requires grad. Tracked: one input requires grad, so each add records a graph node.
// tfjs records gradients only inside tf.grad/variableGrads scopes, so it has no tracked column.
import { tensor } from '@tensile/tensor';
import { tf } from './peers/tfjs.js';
import type { Case, Workload } from './workload.js';

const workload: Workload = {
  id: 'W6',
  title: 'per-op overhead, 1-element add',
  variants: [
    { id: 'W6-untracked', workload: 'W6', label: '1-element add, no autograd', unit: 'ops/s' },
    { id: 'W6-tracked', workload: 'W6', label: '1-element add, autograd recording', unit: 'ops/s' },
  ],
  notApplicable(fw, v) {
    if (fw.kind === 'tfjs' && v.id === 'W6-tracked') return 'tfjs records only inside tf.grad/variableGrads';
    return undefined;
  },
  build(fw, v): Case {
    if (fw.kind === 'tensile') {
      const a = tensor([1.5], { requiresGrad: v.id === 'W6-tracked' });
      const b = tensor([2.5]);
      return { fn: () => void a.add(b), unitsPerCall: 1 };
    }
    const a = tf.tensor1d([1.5], 'float32');
    const b = tf.tensor1d([2.5], 'float32');
    return { fn: () => tf.add(a, b).dispose(), unitsPerCall: 1, dispose: () => tf.dispose([a, b]) };
  },
};

export default workload;
