// W1: MLP 784-128-10, batch 64, Adam, full training step (forward, cross-entropy, backward, step).
import { mlp } from './models.js';
import { trainWorkload, type TrainSpec } from './train-workload.js';

export const W1_SPEC: TrainSpec = {
  id: 'W1',
  title: 'MLP 784-128-10, batch 64, Adam step',
  batch: 64,
  inputShape: [784],
  tfInputShape: [784],
  tensileModel: () => mlp([784, 128, 10]),
  tfModel: (peer) => peer.tfMlp([784, 128, 10]),
};

export default trainWorkload(W1_SPEC);
