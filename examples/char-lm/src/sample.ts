// Sampling new words from a trained model: start every word with the boundary id, draw the next id from
// softmax(logits / temperature) with `multinomial` until the boundary comes back, all words of a batch at once.
import type { Vocabulary } from '@tensile/data';
import { multinomial, noGrad, softmax, tensor, type Generator } from '@tensile/tensor';
import type { CharModel } from './models.js';

/** Options of `sampleWords`. */
export interface SampleOptions {
  /** How many words (default 20). */
  count?: number;
  /** Divides the logits: below 1 sharper and more typical, above 1 flatter and stranger (default 1). */
  temperature?: number;
  /** The source of the draws; the same state gives the same words. */
  generator: Generator;
  /** The longest word (default 30, and at most the model's longest prefix: each step reads the word so far and the boundary before it). */
  maxLength?: number;
}

/**
 * `count` new words from `model`, as strings without the boundary. A word that reaches `maxLength`
 * characters is cut there. The model is put in eval mode for the draws and back as it was after.
 * @example sampleWords(model, vocab, { generator: new Generator(1), temperature: 0.8 })
 */
export function sampleWords(model: CharModel, vocab: Vocabulary, opts: SampleOptions): string[] {
  const { count = 20, temperature = 1, generator } = opts;
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`sampleWords: temperature must be a finite number > 0, got ${temperature}`);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`sampleWords: count must be an integer ≥ 1, got ${count}`);
  const maxLength = Math.min(opts.maxLength ?? 30, model.maxPrefix);
  // Every row keeps growing (finished ones too, so the batch stays rectangular); `words` stops at the end.
  const rows: number[][] = Array.from({ length: count }, () => [0]);
  const words: number[][] = Array.from({ length: count }, () => []);
  const done = new Array<boolean>(count).fill(false);
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    noGrad(() => {
      for (let t = 0; t < maxLength && done.includes(false); t++) {
        const logits = model.nextLogits(tensor(rows, { dtype: 'int32' }));
        const probs = softmax(temperature === 1 ? logits : logits.div(temperature), 1);
        const ids = multinomial(probs, 1, { generator }).reshape([-1]).toArray() as number[];
        ids.forEach((id, k) => {
          rows[k]!.push(id);
          if (done[k]) return;
          if (id === 0) done[k] = true;
          else words[k]!.push(id);
        });
      }
    });
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
  return words.map((w) => vocab.decode(w));
}
