// pnpm mnist: a 784-128-10 MLP on handwritten digits (or Fashion-MNIST), with a progress bar, metrics,
// plots and resumable checkpoints. `pnpm mnist --help` lists the flags.
import { runClassifier, runMain } from '@tensile/examples-common';
import { mlpExample } from './example.js';

await runMain('mnist-mlp', (argv) => runClassifier(mlpExample, argv));
