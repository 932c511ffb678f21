// What every example's command line shares: the common flags, and turning errors into one line on stderr
// and an exit status.
import { StateDictError } from '@tensile/nn';
import { DatasetNotFoundError } from '@tensile/data';
import { NonFiniteError } from '@tensile/tensor';
import { StateDictError as OptimizerStateDictError } from '@tensile/optim';
import { CheckpointError } from '@tensile/train';
import { UsageError, choice, int, path, positive } from './args.js';
import { DivergenceError } from './divergence.js';
import { OPTIMIZER_NAMES } from './optimizers.js';

/** The flags every example takes (`defaults` fills in what `--help` shows). */
export function commonFlags(defaults: { epochs: string; batchSize: string; lr: string; optimizer: string; out: string }) {
  return {
    epochs: int('number of epochs', { min: 1, default: defaults.epochs }),
    batchSize: int('samples per batch', { min: 1, default: defaults.batchSize }),
    lr: positive('learning rate (the peak of the schedule)', { default: defaults.lr }),
    optimizer: choice('optimizer', OPTIMIZER_NAMES, { default: defaults.optimizer }),
    seed: int('seed of the initialisation, the shuffling, dropout and augmentation', { min: 0, max: 2 ** 31 - 1, default: '0' }),
    dtype: choice('dtype of the parameters and inputs', ['float32', 'float64'] as const, { default: 'float32' }),
    checkpoint: path('write a resumable checkpoint to this .safetensors file after every epoch (atomically)'),
    resume: path('continue the run saved in this checkpoint, in its output folder unless --out says otherwise (keeps writing checkpoints to this file unless --checkpoint says otherwise)'),
    out: path('folder for metrics.jsonl, the SVG plots and the final model; not one that holds another run', { value: '<dir>', default: defaults.out }),
  };
}

/** Errors a user can fix get one line; anything else is a bug and shows its stack. */
const USER_ERRORS = [UsageError, CheckpointError, StateDictError, OptimizerStateDictError, DatasetNotFoundError, DivergenceError, NonFiniteError];

/**
 * Runs an example's main function: a usage error prints one line naming the flag and exits with status 2;
 * a bad checkpoint, a missing dataset, a loss that turned NaN or the NaN guard's error prints one line and exits with status 1.
 */
export async function runMain(program: string, main: (argv: string[]) => Promise<void>): Promise<void> {
  try {
    await main(process.argv.slice(2));
  } catch (e) {
    const known = USER_ERRORS.some((E) => e instanceof E);
    process.stderr.write(`${program}: ${known ? (e as Error).message : ((e as Error).stack ?? String(e))}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}
