// pnpm mnist:cnn: a LeNet-style CNN (Conv2d, MaxPool2d, BatchNorm, Dropout) on handwritten digits or
// Fashion-MNIST, with a progress bar, metrics, plots and resumable checkpoints. `--help` lists the flags.
import { runClassifier, runMain } from '@tensile/examples-common';
import { cnnExample } from './example.js';

await runMain('mnist-cnn', (argv) => runClassifier(cnnExample, argv));
