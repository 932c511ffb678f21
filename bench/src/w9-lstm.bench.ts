// W9: one training step of an LSTM language model: batch 32, sequence 32, vocab 27 embedded in 64, one LSTM
// layer of hidden 256 (batch first), Linear to 27 logits at every step; cross-entropy over every position, Adam.
// TF.js uses tf.layers.lstm (peers/tfjs-seq.ts).
import { W9, w9Step } from './seq-models.js';
import type { Workload } from './workload.js';

const title = `LSTM 64→256, sequence ${W9.seq}, batch ${W9.batch}, Adam step`;

const workload: Workload = {
  id: 'W9',
  title,
  variants: [{ id: 'W9', workload: 'W9', label: title, unit: 'samples/s' }],
  async build(fw) {
    if (fw.kind === 'tensile') {
      const step = w9Step();
      return { fn: () => void step(), unitsPerCall: W9.batch };
    }
    return (await import('./peers/tfjs-seq.js')).tfLstmCase();
  },
};

export default workload;
