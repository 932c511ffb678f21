// pnpm compare: SGD, SGD + momentum, AdaGrad, RMSProp, Adam and AdamW on the same MLP, weights and batches;
// the learning-rate schedules; and each optimizer's path on the Rosenbrock function. `--help` lists the flags.
import { runMain } from '@tensile/examples-common';
import { runComparison } from './compare.js';

await runMain('optimizer-comparison', (argv) => runComparison(argv));
