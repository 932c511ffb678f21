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
import { readMetrics } from '@tensile/train/node';
import { Generator, noGrad, tensor, type Tensor } from '@tensile/tensor';
import { CharMLP } from '../src/models.js';
import { runCharLm } from '../src/run.js';
import { drawRows, sampleWords } from '../src/sample.js';

const WORDS = fileURLToPath(new URL('./fixtures/words.txt', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tensile-char-lm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quiet = { write: () => true, isTTY: false };
const UNIFORM = Math.log(27);

const run = (name: string, args: string[]) => runCharLm(['--words', WORDS, '--out', join(root, name), ...args], { stream: quiet });

/** The numbers of a run without its timings. */
const numbers = (dir: string) => readMetrics(join(dir, 'metrics.jsonl')).map((r) => (r.type === 'epoch' ? { ...r, seconds: 0, samplesPerSec: 0 } : r));
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

describe('char-lm: flags', () => {
  it('refuses bad values with one line naming the flag', async () => {
    await expect(run('bad', ['--model', 'rnn'])).rejects.toThrow(UsageError);
    await expect(run('bad', ['--model', 'rnn'])).rejects.toThrow(/^--model must be one of mlp/);
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
  it('drawRows inverts the cumulative distribution at one uniform draw per row', () => {
    const probs = tensor([[0.2, 0.5, 0.3], [0, 0, 1]], { dtype: 'float64' });
    const g = new Generator(5);
    const u = new Generator(5);
    for (let k = 0; k < 50; k++) {
      const [a, b] = drawRows(probs, g);
      const x = u.random();
      u.random();
      expect(a).toBe(x < 0.2 ? 0 : x < 0.7 ? 1 : 2);
      expect(b).toBe(2);
    }
    // Over many draws the frequencies approach the probabilities.
    const counts = [0, 0, 0];
    const h = new Generator(1);
    for (let k = 0; k < 20000; k++) counts[drawRows(probs.narrow(0, 0, 1), h)[0]!]! += 1;
    expect(counts.map((c) => c / 20000).map((f, i) => Math.abs(f - [0.2, 0.5, 0.3][i]!))).toSatisfy((d: number[]) => d.every((x) => x < 0.015));
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
