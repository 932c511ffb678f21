// pnpm words: a character-level language model of English words (an MLP over a context window, an LSTM or
// a small transformer), with a progress bar, metrics, plots, resumable checkpoints, and new words sampled at
// the end. `pnpm words --help` lists the flags.
import { runMain } from '@tensile/examples-common';
import { runCharLm } from './run.js';

await runMain('char-lm', async (argv) => {
  await runCharLm(argv);
});
