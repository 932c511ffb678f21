// `pnpm words`, small: 800 real words (test/fixtures/words.txt) for a few epochs. Each model must learn
// (its validation loss far below the uniform ln V), repeat itself exactly, sample the same words for the same
// seed, and resume from a checkpoint to exactly the run that never stopped.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { crossEntropy, loadSafetensors } from '@tensile/nn';
import { Vocabulary, contextWindows, nextTokenSequences } from '@tensile/data';
import { UsageError } from '@tensile/examples-common';
import { loadCheckpoint, readMetrics } from '@tensile/train/node';
import { Generator, noGrad, softmax, tensor, type Tensor } from '@tensile/tensor';
import { CharMLP } from '../src/models.js';
import { runCharLm } from '../src/run.js';
import { sampleWords } from '../src/sample.js';

const WORDS = fileURLToPath(new URL('./fixtures/words.txt', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tensile-char-lm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quiet = { write: () => true, isTTY: false };
const UNIFORM = Math.log(27);

const run = (name: string, args: string[]) => runCharLm(['--words', WORDS, '--out', join(root, name), ...args], { stream: quiet });

/** The numbers of a run without its timings. */
const numbers = (dir: string) => readMetrics(join(dir, 'metrics.jsonl')).map((r) => (r.type === 'epoch' ? { ...r, seconds: 0, samplesPerSec: 0 } : r));
/** Where a checkpoint was taken: epochs done and batches of the next. */
const midEpoch = async (file: string) => {
  const state = await loadCheckpoint(file);
  return { epoch: state.epoch, batches: (state.extra.fit as { partial: { batches: number } | null }).partial?.batches ?? 0 };
};
const weights = (dir: string) => {
  const { tensors } = loadSafetensors(readFileSync(join(dir, 'model.safetensors')));
  return Object.fromEntries([...tensors].map(([k, t]) => [k, Array.from(t.toTypedArray())]));
};

describe('char-lm: the MLP', () => {
  const MLP = ['--model', 'mlp', '--epochs', '4', '--batch-size', '32', '--lr', '0.01'];

  it('learns: the validation loss falls far below the uniform ln 27 and keeps falling', async () => {
    const r = await run('mlp', MLP);
    const epochs = readMetrics(join(r.out, 'metrics.jsonl')).flatMap((x) => (x.type === 'epoch' ? [x] : []));
    expect(epochs).toHaveLength(4);
    const val = epochs.map((e) => e.val!.loss!);
    expect(val[3]).toBeLessThan(val[0]!);
    expect(r.val).toBe(val[3]);
    // A unigram model of English letters is already ~2.9 nats; the MLP must beat uniform by far.
    expect(r.val).toBeLessThan(UNIFORM - 0.6);
    expect(r.test).toBeLessThan(UNIFORM - 0.6);
    expect(r.samples).toHaveLength(20);
    expect(r.samples.every((w) => /^[a-z]*$/.test(w))).toBe(true);
    for (const f of ['loss.svg', 'accuracy.svg', 'lr.svg', 'model.safetensors', 'samples.txt']) expect(existsSync(join(r.out, f)), f).toBe(true);
  });

  it('the same seed gives the same run and the same words; another seed does not', async () => {
    const a = await run('mlp-a', [...MLP, '--epochs', '1']);
    const b = await run('mlp-b', [...MLP, '--epochs', '1']);
    const c = await run('mlp-c', [...MLP, '--epochs', '1', '--seed', '3']);
    expect(numbers(b.out)).toEqual(numbers(a.out));
    expect(b.samples).toEqual(a.samples);
    expect(numbers(c.out)).not.toEqual(numbers(a.out));
    expect(c.samples).not.toEqual(a.samples);
  });

  it('resumed from a mid-run checkpoint, it ends as the run that never stopped: weights, metrics, words', async () => {
    const args = [...MLP, '--epochs', '2', '--checkpoint-every', '7'];
    const whole = await run('whole', [...args, '--checkpoint', join(root, 'whole.safetensors')]);
    // A stream that fails at the plain progress line half-way through epoch 2 stops the run there, as a crash would.
    const crash = { isTTY: false, write: (s: string) => {
      if (/epoch 2\/2 +50%/.test(s)) throw new Error('crash');
      return true;
    } };
    const ckpt = join(root, 'stopped.safetensors');
    await expect(runCharLm(['--words', WORDS, '--out', join(root, 'stopped'), ...args, '--checkpoint', ckpt], { stream: crash })).rejects.toThrow('crash');
    const at = await midEpoch(ckpt);
    expect(at.epoch).toBe(1);
    expect(at.batches).toBeGreaterThan(0);
    const resumed = await runCharLm(['--resume', ckpt], { stream: quiet });
    expect(resumed.out).toBe(join(root, 'stopped'));
    expect(weights(resumed.out)).toEqual(weights(whole.out));
    expect(numbers(resumed.out)).toEqual(numbers(whole.out));
    expect(resumed.samples).toEqual(whole.samples);
    expect(resumed.val).toBe(whole.val);
  });

  it('a resumed run keeps its settings: a flag that differs is refused before any work', async () => {
    await run('keep', [...MLP, '--epochs', '1', '--checkpoint', join(root, 'keep.safetensors')]);
    await expect(runCharLm(['--resume', join(root, 'keep.safetensors'), '--hidden', '50'], { stream: quiet })).rejects.toThrow(
      /^--hidden 50 differs from the checkpoint's 200; a resumed run keeps its checkpoint's settings, so leave --hidden out$/,
    );
    await expect(runCharLm(['--resume', join(root, 'keep.safetensors')], { stream: quiet })).rejects.toThrow(/this run already finished its 1 epoch; there is nothing to resume/);
  });
});

describe.each([
  ['lstm', ['--embedding', '16', '--hidden', '48']],
  ['transformer', ['--embedding', '32', '--hidden', '64', '--layers', '2', '--heads', '4', '--lr', '3e-3']],
] as const)('char-lm: the %s', (model, sizes) => {
  const ARGS = ['--model', model, ...sizes, '--batch-size', '16'];

  it('learns: the validation loss falls far below the uniform ln 27', { timeout: 180_000 }, async () => {
    const r = await run(model, [...ARGS, '--epochs', '3', '--lr', model === 'lstm' ? '0.01' : '0.003']);
    const epochs = readMetrics(join(r.out, 'metrics.jsonl')).flatMap((x) => (x.type === 'epoch' ? [x] : []));
    expect(epochs.map((e) => e.val!.loss!)[2]).toBeLessThan(epochs[0]!.val!.loss!);
    expect(r.val).toBeLessThan(UNIFORM - 0.6);
    expect(r.samples).toHaveLength(20);
  });

  it('resumed from a mid-epoch checkpoint, it ends as the run that never stopped', { timeout: 180_000 }, async () => {
    // 320 training words: 20 batches an epoch; the last checkpoint before the crash (at the 50% line) is at step 27, epoch 2's batch 7.
    const args = [...ARGS, '--epochs', '2', '--checkpoint-every', '3', '--max-words', '400'];
    const whole = await run(`${model}-whole`, [...args, '--checkpoint', join(root, `${model}-whole.safetensors`)]);
    const crash = { isTTY: false, write: (s: string) => {
      if (/epoch 2\/2 +50%/.test(s)) throw new Error('crash');
      return true;
    } };
    const ckpt = join(root, `${model}-stopped.safetensors`);
    await expect(runCharLm(['--words', WORDS, '--out', join(root, `${model}-stopped`), ...args, '--checkpoint', ckpt], { stream: crash })).rejects.toThrow('crash');
    expect(await midEpoch(ckpt)).toEqual({ epoch: 1, batches: 7 });
    const resumed = await runCharLm(['--resume', ckpt], { stream: quiet });
    expect(weights(resumed.out)).toEqual(weights(whole.out));
    expect(numbers(resumed.out)).toEqual(numbers(whole.out));
    expect(resumed.samples).toEqual(whole.samples);
  });
});

describe('char-lm: --summary and --profile', () => {
  const capture = () => {
    let text = '';
    return { stream: { write: (s: string) => ((text += s), true), isTTY: false }, text: () => text };
  };

  it('--summary prints the model table first; --profile prints the tables of steps 6–25 and writes a Chrome trace', { timeout: 120_000 }, async () => {
    // 200 words of windows at batch 32: about 45 steps, enough for the profile's 25.
    const out = capture();
    const trace = join(root, 'char-lm-trace.json');
    await runCharLm(['--words', WORDS, '--out', join(root, 'debug-mlp'), '--model', 'mlp', '--hidden', '32', '--epochs', '1', '--batch-size', '32',
      '--max-words', '200', '--samples', '0', '--summary', '--profile', trace], { stream: out.stream });
    const text = out.text();
    // The summary before the first epoch: a row per module with its output shape and parameters.
    expect(text.indexOf('Total params')).toBeLessThan(text.indexOf('epoch 1/1'));
    const v = Number(/· (\d+) tokens/.exec(text)![1]); // the sample's vocabulary: the letters it uses and the boundary
    const n = (x: number) => x.toLocaleString('en-US');
    expect(text).toMatch(new RegExp(`^\\(model\\)\\s+CharMLP\\s+\\[32, ${v}\\]`, 'm'));
    expect(text).toMatch(new RegExp(`^embed\\s+Embedding\\s+\\[32, 3, 10\\]\\s+${n(v * 10)}\\s+${n(v * 10)}$`, 'm'));
    expect(text).toMatch(new RegExp(`^out\\s+Linear\\s+\\[32, ${v}\\]\\s+${n(33 * v)}\\s+${n(33 * v)}$`, 'm'));
    expect(text).toMatch(/Optimizer state size \(MB\): [\d.]+ \(estimated for Adam/);
    // The profile: per op, per module, and the trace file.
    expect(text).toMatch(/^Name\s+Kind\s+Pass\s+Calls/m);
    expect(text).toMatch(/^Module\s+Kind\s+Pass\s+Calls/m);
    expect(text).toContain(`profile of 20 steps: Chrome trace in ${trace}`);
    const events = (JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { name: string; ph: string; cat?: string }[] }).traceEvents;
    // 20 steps: 20 forwards of the model, 20 optimizer steps.
    expect(events.filter((e) => e.ph === 'X' && e.cat === 'module' && e.name === '(model): CharMLP')).toHaveLength(20);
    expect(events.filter((e) => e.ph === 'X' && e.name === 'Adam.step')).toHaveLength(20);
    expect(events.some((e) => e.ph === 'X' && e.cat === 'module' && e.name === 'out: Linear')).toBe(true);
  });

  it('for a sequence model the LSTM’s row shows its output, [batch, length, hidden]', { timeout: 60_000 }, async () => {
    const out = capture();
    await runCharLm(['--words', WORDS, '--out', join(root, 'debug-lstm'), '--model', 'lstm', '--embedding', '8', '--hidden', '12', '--epochs', '1',
      '--batch-size', '16', '--max-words', '40', '--samples', '0', '--summary'], { stream: out.stream });
    // 4·12·(8 + 12) + 2·4·12 = 1,056 parameters; words padded to the longest of the list plus one.
    expect(out.text()).toMatch(/^lstm\s+LSTM\s+\[16, \d+, 12\]\s+1,056\s+1,056$/m);
  });
});

describe('char-lm: flags', () => {
  it('refuses bad values with one line naming the flag', async () => {
    await expect(run('bad', ['--model', 'rnn'])).rejects.toThrow(UsageError);
    await expect(run('bad', ['--model', 'rnn'])).rejects.toThrow(/^--model must be one of mlp, lstm, transformer, got "rnn"$/);
    await expect(run('bad', ['--temperature', '0'])).rejects.toThrow(/^--temperature must be a finite number > 0, got 0$/);
    await expect(run('bad', ['--dropout', '1'])).rejects.toThrow(/^--dropout must be in \[0, 1\), got 1$/);
    await expect(run('bad', ['--embedding', '10', '--heads', '3'])).rejects.toThrow(/^--embedding 10 must be a multiple of --heads 3$/);
    await expect(runCharLm(['--words', '/nonexistent/words'], { stream: quiet })).rejects.toThrow(/^readWords: \/nonexistent\/words does not exist/);
  });

  it('--help lists the flags', async () => {
    let text = '';
    await runCharLm(['--help'], { stream: { write: (s: string) => ((text += s), true), isTTY: false } });
    for (const flag of ['--model <name>', '--words <path>', '--block-size', '--temperature', '--clip', '--checkpoint', '--resume']) expect(text).toContain(flag);
  });
});

describe('char-lm: sampling and the loss', () => {
  it('the first characters drawn follow the model\'s distribution after the boundary', () => {
    const vocab = Vocabulary.fromWords(['abc']);
    const model = new CharMLP({ vocabSize: vocab.size, blockSize: 3, embedding: 4, hidden: 16, generator: new Generator(0) });
    const probs = noGrad(() => softmax(model.nextLogits(tensor([[0]], { dtype: 'int32' })), 1).toArray() as number[][])[0]!;
    const n = 4000;
    const first = sampleWords(model, vocab, { generator: new Generator(9), count: n, maxLength: 1 });
    const freq = vocab.tokens.map((t, i) => (i === 0 ? first.filter((w) => w === '').length : first.filter((w) => w === t).length) / n);
    // Each frequency within 4 standard errors of its probability.
    freq.forEach((f, i) => expect(Math.abs(f - probs[i]!), `token ${vocab.tokens[i]}`).toBeLessThan(4 * Math.sqrt((probs[i]! * (1 - probs[i]!)) / n) + 1e-9));
  });

  it('sampling is deterministic for a seed, and the temperature sharpens the words', () => {
    const vocab = Vocabulary.fromWords(['abc']);
    const model = new CharMLP({ vocabSize: vocab.size, blockSize: 3, embedding: 4, hidden: 16, generator: new Generator(0) });
    const draw = (seed: number, temperature = 1) => sampleWords(model, vocab, { generator: new Generator(seed), temperature, count: 30 });
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    // Near temperature 0 every draw is the argmax: all words are the same.
    expect(new Set(draw(1, 1e-4)).size).toBe(1);
    expect(model.training).toBe(true);
  });

  it('the sequence loss with ignoreIndex is the same nats per character as the window loss', () => {
    // A bigram table as the model: logits depend on the previous id only, so both datasets score the same predictions.
    const words = ['emma', 'olivia', 'ava'];
    const vocab = Vocabulary.fromWords(words);
    const table = tensor(Array.from({ length: vocab.size }, (_, i) => Array.from({ length: vocab.size }, (_, j) => Math.sin(3 * i + j))), { dtype: 'float64' });
    const [xw, yw] = contextWindows(words, vocab, 1).tensors;
    const [xs, ys] = nextTokenSequences(words, vocab).tensors;
    const lookup = (x: Tensor) => table.indexSelect(0, x.reshape([-1]));
    const windows = noGrad(() => crossEntropy(lookup(xw), yw).item());
    const sequences = noGrad(() => crossEntropy(lookup(xs), ys.reshape([-1]), { ignoreIndex: -100 }).item());
    expect(sequences).toBeCloseTo(windows, 12);
  });
});
