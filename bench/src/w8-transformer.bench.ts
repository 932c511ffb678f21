// W8: one training step of a small decoder-only transformer (examples/char-lm's `transformer` model): batch 32,
// context 16, vocab 27, 4 pre-norm blocks of causal 4-head self-attention and a GELU feed-forward (width 128,
// 512), final LayerNorm, Linear to the logits; cross-entropy over every position, Adam.
// TF.js has no transformer layer: its model is tf ops on tf.variables (peers/tfjs-seq.ts).
import { W8, w8Step } from './seq-models.js';
import type { Workload } from './workload.js';

const title = `transformer 4×(4 heads, 128, ff 512), context ${W8.context}, batch ${W8.batch}, Adam step`;

const workload: Workload = {
  id: 'W8',
  title,
  variants: [{ id: 'W8', workload: 'W8', label: title, unit: 'samples/s' }],
  async build(fw) {
    if (fw.kind === 'tensile') {
      const step = w8Step();
      return { fn: () => void step(), unitsPerCall: W8.batch };
    }
    return (await import('./peers/tfjs-seq.js')).tfTransformerCase();
  },
};

export default workload;
