// The examples' command lines (`pnpm mnist`, `pnpm mnist:cnn`, `pnpm compare`), each run in a child process
// with a hard time limit. A bad flag or path gets one line on stderr naming the flag and exit status 2
// (a bad checkpoint: status 1), before any training starts; a diverging run stops with a message naming the
// step and a non-zero status; `--help` prints the usage and exits 0.
import { category, type Case } from '../harness.js';
import { CLI_CASE_TIMEOUT_MS, cliExpect, runExample, type CliSpec } from '../cli.js';

/** A run small enough to finish in seconds if a bad flag is not caught up front. */
const TINY = ['--epochs', '1', '--train-size', '64', '--test-size', '32'];
const OUT = ['--out', '{tmp}/out'];

function cli(name: string, example: string, args: string[], spec: CliSpec): Case<void> {
  return { name, run: () => runExample(example, args), async: true, timeoutMs: CLI_CASE_TIMEOUT_MS, expect: cliExpect(spec) };
}
/** A usage error: exit 2, one line on stderr matching `patterns`. */
const usage = (...patterns: RegExp[]): CliSpec => ({ exit: 2, output: patterns });
const help = (...patterns: RegExp[]): CliSpec => ({ exit: 0, output: [/Usage:/, /--epochs/, /--out/, ...patterns] });

const MLP = 'mnist-mlp';
const CNN = 'mnist-cnn';
const CMP = 'optimizer-comparison';

export default category('command line', [
  cli('pnpm mnist --help', MLP, ['--help'], help(/pnpm mnist /)),
  cli('pnpm mnist -h', MLP, ['-h'], help(/pnpm mnist /)),
  cli('pnpm mnist:cnn --help', CNN, ['--help'], help(/pnpm mnist:cnn/)),
  cli('pnpm compare --help', CMP, ['--help'], help(/--rosenbrock-steps/)),

  cli('--epochs -1', MLP, ['--epochs', '-1', ...TINY.slice(2), ...OUT], usage(/--epochs/)),
  cli('--epochs=-1', MLP, ['--epochs=-1', ...TINY.slice(2), ...OUT], usage(/--epochs/, /-1/)),
  cli('--epochs 0', MLP, ['--epochs', '0', ...TINY.slice(2), ...OUT], usage(/--epochs/, /got 0\b/)),
  cli('--epochs 1.5', MLP, ['--epochs', '1.5', ...TINY.slice(2), ...OUT], usage(/--epochs/, /1\.5/)),
  cli('--epochs 1e400', MLP, ['--epochs', '1e400', ...TINY.slice(2), ...OUT], usage(/--epochs/, /1e400/)),
  cli('--epochs with no value', MLP, [...OUT, '--epochs'], usage(/--epochs/, /value/)),
  cli('--batch-size 0', MLP, [...TINY, ...OUT, '--batch-size', '0'], usage(/--batch-size/)),
  cli('--lr nan', MLP, [...TINY, ...OUT, '--lr', 'nan'], usage(/--lr/, /nan/)),
  cli('--lr=-1', MLP, [...TINY, ...OUT, '--lr=-1'], usage(/--lr/, /-1/)),
  cli('--optimizer adamw2', MLP, [...TINY, ...OUT, '--optimizer', 'adamw2'], usage(/--optimizer/, /adamw2/)),
  cli('--seed 2147483648', MLP, [...TINY, ...OUT, '--seed', '2147483648'], usage(/--seed/, /2147483648/)),
  cli('--dropout 1', MLP, [...TINY, ...OUT, '--dropout', '1'], usage(/--dropout/, /1/)),
  cli('--train-size 0', MLP, ['--epochs', '1', '--train-size', '0', ...OUT], usage(/--train-size/, /0/)),
  cli('an unknown flag --bogus', MLP, [...TINY, ...OUT, '--bogus'], usage(/--bogus/)),
  cli('a stray argument', MLP, [...TINY, ...OUT, 'train'], usage(/"train"/)),
  cli('--out /proc/nope', MLP, [...TINY, '--out', '/proc/nope'], usage(/--out/, /\/proc\/nope/)),
  cli('--out /dev/null', MLP, [...TINY, '--out', '/dev/null'], usage(/--out/, /\/dev\/null/)),
  cli('--out README.md (a file)', MLP, [...TINY, '--out', 'README.md'], usage(/--out/, /README\.md/)),
  cli('--out= (empty)', MLP, [...TINY, '--out='], usage(/--out/)),
  cli('--checkpoint a folder', MLP, [...TINY, ...OUT, '--checkpoint', '{tmp}'], usage(/--checkpoint/, /folder/)),
  cli('--checkpoint-every without --checkpoint', MLP, [...TINY, ...OUT, '--checkpoint-every', '5'], usage(/--checkpoint-every/, /--checkpoint\b/)),
  cli('--resume a missing file', MLP, [...TINY, ...OUT, '--resume', '{tmp}/missing.safetensors'], { exit: 1, output: [/missing\.safetensors/] }),
  cli('--resume README.md (not a checkpoint)', MLP, [...TINY, ...OUT, '--resume', 'README.md'], { exit: 1, output: [/README\.md/, /safetensors/] }),
  cli('--lr 1e9 (the default optimizer) stops at a step', MLP, ['--lr', '1e9', '--epochs', '2', '--train-size', '256', '--test-size', '32', '--batch-size', '32', ...OUT], { exit: 'nonzero', output: [/\bstep \d+/] }),
  cli('--lr 1e9 --optimizer sgd stops at a step', MLP, ['--lr', '1e9', '--optimizer', 'sgd', '--epochs', '2', '--train-size', '256', '--test-size', '32', '--batch-size', '32', ...OUT], { exit: 'nonzero', output: [/\bstep \d+/] }),

  cli('pnpm mnist:cnn --bogus', CNN, [...TINY, ...OUT, '--bogus'], usage(/--bogus/)),
  cli('pnpm mnist:cnn --out /proc/nope', CNN, [...TINY, '--out', '/proc/nope'], usage(/--out/, /\/proc\/nope/)),
  cli('pnpm compare --optimizer sgd,sgd', CMP, [...TINY, ...OUT, '--optimizer', 'sgd,sgd'], usage(/--optimizer/)),
  cli('pnpm compare --rosenbrock-steps 0', CMP, [...TINY, ...OUT, '--rosenbrock-steps', '0'], usage(/--rosenbrock-steps/)),
  cli('pnpm compare --out /dev/null', CMP, [...TINY, '--rosenbrock-steps', '10', '--out', '/dev/null'], usage(/--out/, /\/dev\/null/)),
]);
