// W3: MLP 784-512-512-10, batch 128, Adam, full training step.
import { mlp } from './models.js';
import { trainWorkload } from './train-workload.js';

export default trainWorkload({
  id: 'W3',
  title: 'MLP 784-512-512-10, batch 128, Adam step',
  batch: 128,
  inputShape: [784],
  tfInputShape: [784],
  tensileModel: () => mlp([784, 512, 512, 10]),
  tfModel: (peer) => peer.tfMlp([784, 512, 512, 10]),
});
