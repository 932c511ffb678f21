// W2: W1's MLP 784-128-10 at batch 256.
import { W1_SPEC } from './w1-mlp.bench.js';
import { trainWorkload } from './train-workload.js';

export default trainWorkload({ ...W1_SPEC, id: 'W2', title: 'MLP 784-128-10, batch 256, Adam step', batch: 256 });
