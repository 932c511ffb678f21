// W4: LeNet-5 (conv 6@5×5, pool, conv 16@5×5, pool, 120, 84, 10) on 28×28×1, batch 64, Adam, full training step.
// tfjs-wasm has no Conv2DBackpropFilter kernel: its case throws and is recorded as a failure.
import { leNet } from './models.js';
import { trainWorkload } from './train-workload.js';

export default trainWorkload({
  id: 'W4',
  title: 'LeNet-5 28×28, batch 64, Adam step',
  batch: 64,
  inputShape: [1, 28, 28],
  tfInputShape: [28, 28, 1],
  tensileModel: leNet,
  tfModel: (peer) => peer.tfLeNet(),
});
