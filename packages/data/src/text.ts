// Words as training data for character-level language models (Karpathy's makemore): a word list parsed from
// text, a character vocabulary with a boundary token, a seeded split, and two datasets of encoded words:
// context windows (each next character from the N before it, for an MLP) and whole sequences with
// next-character targets at every position (for an RNN or a transformer). Browser-safe; the Node entry
// reads the file (`readWords`).
import { Generator, Tensor, checkOptions, describeValue } from '@tensile/tensor';
import { TensorDataset, randomPermutation } from './dataset.js';

/** Options of `parseWords` and the Node entry's `readWords`. */
export interface ParseWordsOptions {
  /** Lower-case every line before filtering (default true). */
  lowercase?: boolean;
  /** The lines to keep, tested after trimming and lower-casing (default `/^[a-z]+$/`: ASCII letters only). */
  pattern?: RegExp;
}

export const PARSE_WORDS_KEYS = ['lowercase', 'pattern'] as const;

/**
 * The words of a text with one word per line (a word list such as `/usr/share/dict/words`): each line
 * trimmed, lower-cased, kept if it matches `pattern`, and each word kept once, in the order it first appears.
 * With the defaults, "Zürich", "can't" and "e-mail" are dropped and "Bob" and "bob" are one word.
 * @example parseWords('Apple\nbanana\napple\ncan\'t\n') // ['apple', 'banana']
 */
export function parseWords(text: string, opts: ParseWordsOptions = {}): string[] {
  checkOptions('parseWords', opts, PARSE_WORDS_KEYS);
  if (typeof text !== 'string') throw new TypeError(`parseWords: expected the text as a string, got ${describeValue(text)}`);
  const { lowercase = true, pattern = /^[a-z]+$/ } = opts;
  if (typeof lowercase !== 'boolean') throw new TypeError(`parseWords: lowercase must be true or false, got ${describeValue(lowercase)}`);
  if (!(pattern instanceof RegExp)) throw new TypeError(`parseWords: pattern must be a RegExp, got ${describeValue(pattern)}`);
  // A global or sticky RegExp keeps lastIndex between test() calls and would skip matching lines.
  const test = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const seen = new Set<string>();
  const words: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const w = lowercase ? line.trim().toLowerCase() : line.trim();
    if (w === '' || seen.has(w) || !test.test(w)) continue;
    seen.add(w);
    words.push(w);
  }
  return words;
}

/** A vocabulary as plain JSON, for checkpoints: `tokens[0]` is the boundary token. */
export interface VocabularyJSON {
  tokens: string[];
}

/**
 * The characters of a word list and their ids. Id 0 is the boundary token (makemore's '.'), which both
 * starts a word's context and ends the word; the word characters follow, sorted by code point.
 * `toJSON()` / `Vocabulary.fromJSON()` round-trip it, so a checkpoint can hold it.
 * @example
 * const vocab = Vocabulary.fromWords(['emma', 'ava']); // tokens . a e m v
 * vocab.encode('ma');      // [3, 1]
 * vocab.decode([3, 1, 0]); // 'ma.'
 */
export class Vocabulary {
  /** Token by id (`itos`); `tokens[0]` is the boundary. */
  readonly tokens: readonly string[];
  /** Id by token (`stoi`). */
  readonly ids: ReadonlyMap<string, number>;

  constructor(tokens: readonly string[]) {
    if (!Array.isArray(tokens) || tokens.length < 2) {
      throw new RangeError(`Vocabulary: expected a list of at least two tokens (the boundary, then the characters), got ${describeValue(tokens)}`);
    }
    const ids = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (typeof t !== 'string' || [...t].length !== 1) throw new TypeError(`Vocabulary: token ${i} must be one character, got ${describeValue(t)}`);
      if (ids.has(t)) throw new RangeError(`Vocabulary: token ${JSON.stringify(t)} appears twice (ids ${ids.get(t)} and ${i})`);
      ids.set(t, i);
    });
    this.tokens = Object.freeze([...tokens]);
    this.ids = ids;
  }

  /**
   * The vocabulary of `words`: `boundary` (default '.') as id 0, then every character that occurs in them,
   * sorted by code point. The boundary must not occur in any word.
   */
  static fromWords(words: readonly string[], opts: { boundary?: string } = {}): Vocabulary {
    checkOptions('Vocabulary.fromWords', opts, ['boundary']);
    const { boundary = '.' } = opts;
    checkWords('Vocabulary.fromWords', words);
    const chars = new Set<string>();
    for (const w of words) for (const c of w) chars.add(c);
    if (chars.has(boundary)) {
      const word = words.find((w) => w.includes(boundary))!;
      throw new RangeError(`Vocabulary.fromWords: the boundary token ${JSON.stringify(boundary)} occurs in the word ${JSON.stringify(word)}; pass another boundary`);
    }
    return new Vocabulary([boundary, ...[...chars].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))]);
  }

  /** A vocabulary from `toJSON()`'s output (a checkpoint's), checked. */
  static fromJSON(json: VocabularyJSON): Vocabulary {
    if (json === null || typeof json !== 'object' || !Array.isArray(json.tokens)) {
      throw new TypeError(`Vocabulary.fromJSON: expected { tokens: string[] }, got ${describeValue(json)}`);
    }
    return new Vocabulary(json.tokens);
  }

  /** Tokens, the boundary included. */
  get size(): number {
    return this.tokens.length;
  }

  /** The boundary token (id 0). */
  get boundary(): string {
    return this.tokens[0]!;
  }

  /** The ids of a word's characters (no boundaries added). */
  encode(word: string): number[] {
    if (typeof word !== 'string') throw new TypeError(`Vocabulary.encode: expected a string, got ${describeValue(word)}`);
    return Array.from(word, (c, k) => {
      const id = this.ids.get(c);
      if (id === undefined) throw new RangeError(`Vocabulary.encode: ${JSON.stringify(c)} (character ${k} of ${JSON.stringify(word)}) is not in the vocabulary`);
      return id;
    });
  }

  /** The tokens of `ids`, joined (a boundary id gives the boundary token). */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
        throw new RangeError(`Vocabulary.decode: id ${id} (element ${k}) is out of range for a vocabulary of ${this.tokens.length} tokens`);
      }
      s += this.tokens[id];
    }
    return s;
  }

  toJSON(): VocabularyJSON {
    return { tokens: [...this.tokens] };
  }
}

function checkWords(where: string, words: readonly string[]): void {
  if (!Array.isArray(words)) throw new TypeError(`${where}: expected an array of words, got ${describeValue(words)}`);
  words.forEach((w, i) => {
    if (typeof w !== 'string' || w === '') throw new TypeError(`${where}: word ${i} must be a non-empty string, got ${describeValue(w)}`);
  });
}

/**
 * Shuffles `words` with `Generator(seed)` and cuts the shuffled list at the cumulative fractions
 * (makemore's rule: with [0.8, 0.1, 0.1] the cuts are ⌊0.8n⌋ and ⌊0.9n⌋). The same words and seed give
 * the same split everywhere.
 * @example const [train, val, test] = splitWords(words, [0.8, 0.1, 0.1], { seed: 42 });
 */
export function splitWords(words: readonly string[], fractions: readonly number[] = [0.8, 0.1, 0.1], opts: { seed?: number | string } = {}): string[][] {
  checkOptions('splitWords', opts, ['seed']);
  if (!Array.isArray(words)) throw new TypeError(`splitWords: expected an array of words, got ${describeValue(words)}`);
  const total = Array.isArray(fractions) ? fractions.reduce((a, b) => a + b, 0) : NaN;
  if (!Array.isArray(fractions) || fractions.length === 0 || fractions.some((f) => typeof f !== 'number' || !(f >= 0)) || !(Math.abs(total - 1) < 1e-9)) {
    const shown = Array.isArray(fractions) ? `[${fractions.join(', ')}]` : describeValue(fractions);
    throw new RangeError(`splitWords: fractions must be non-negative numbers summing to 1, got ${shown}`);
  }
  const { seed = 0 } = opts;
  const n = words.length;
  const perm = randomPermutation(n, new Generator(seed));
  const parts: string[][] = [];
  let start = 0;
  let cumulative = 0;
  fractions.forEach((f, k) => {
    cumulative += f;
    // The last cut is n whatever the rounding of the sum.
    const end = k === fractions.length - 1 ? n : Math.floor(cumulative * n + 1e-9);
    parts.push(Array.from(perm.subarray(start, end), (i) => words[i]!));
    start = end;
  });
  return parts;
}

/**
 * Every (context, next character) pair of the words, as makemore part 2 builds them: each word is read
 * with `blockSize` boundary ids before it and one after, and each of its characters and the final boundary
 * is a target whose input is the `blockSize` ids before it. Inputs are int32 `[N, blockSize]`, targets int32
 * `[N]`; N is the words' total length plus one per word.
 * @example
 * contextWindows(['ab'], vocab, 3) // inputs [[0,0,0],[0,0,1],[0,1,2]], targets [1, 2, 0] (a=1, b=2)
 */
export function contextWindows(words: readonly string[], vocab: Vocabulary, blockSize: number): TensorDataset<[Tensor, Tensor]> {
  checkWords('contextWindows', words);
  if (!(vocab instanceof Vocabulary)) throw new TypeError(`contextWindows: vocab must be a Vocabulary, got ${describeValue(vocab)}`);
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`contextWindows: blockSize must be an integer ≥ 1, got ${describeValue(blockSize)}`);
  const encoded = words.map((w) => vocab.encode(w));
  const n = encoded.reduce((s, ids) => s + ids.length + 1, 0);
  const x = new Int32Array(n * blockSize);
  const y = new Int32Array(n);
  let row = 0;
  const context = new Int32Array(blockSize);
  for (const ids of encoded) {
    context.fill(0);
    for (const id of [...ids, 0]) {
      x.set(context, row * blockSize);
      y[row++] = id;
      context.copyWithin(0, 1);
      context[blockSize - 1] = id;
    }
  }
  return new TensorDataset<[Tensor, Tensor]>(new Tensor(x, [n, blockSize]), new Tensor(y, [n]));
}

/** Options of `nextTokenSequences`. */
export interface SequenceOptions {
  /** Positions per sequence (default: the longest word's length + 1). */
  length?: number;
  /** The target of padding positions, which crossEntropy's ignoreIndex skips (default −100, PyTorch's). */
  ignoreIndex?: number;
}

/**
 * One fixed-length sequence per word for models that predict at every position (an RNN, a causal
 * transformer): the input is the boundary id then the word's ids, padded with boundary ids; the target at
 * each position is the next id (the word's characters, then the boundary), padded with `ignoreIndex`. So
 * `crossEntropy(logits, targets, { ignoreIndex })` is the mean loss per character (end included), the
 * same quantity as over `contextWindows`. Inputs and targets are int32 `[N, length]`.
 * @example
 * nextTokenSequences(['ab'], vocab, { length: 4 }) // input [[0, 1, 2, 0]], target [[1, 2, 0, -100]]
 */
export function nextTokenSequences(words: readonly string[], vocab: Vocabulary, opts: SequenceOptions = {}): TensorDataset<[Tensor, Tensor]> {
  checkOptions('nextTokenSequences', opts, ['length', 'ignoreIndex']);
  checkWords('nextTokenSequences', words);
  if (!(vocab instanceof Vocabulary)) throw new TypeError(`nextTokenSequences: vocab must be a Vocabulary, got ${describeValue(vocab)}`);
  const encoded = words.map((w) => vocab.encode(w));
  const longest = encoded.reduce((m, ids) => Math.max(m, ids.length), 0);
  const { length = longest + 1, ignoreIndex = -100 } = opts;
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`nextTokenSequences: length must be an integer ≥ 1, got ${describeValue(length)}`);
  if (!Number.isInteger(ignoreIndex) || (ignoreIndex >= 0 && ignoreIndex < vocab.size)) {
    throw new RangeError(`nextTokenSequences: ignoreIndex must be an integer outside the vocabulary's ids 0…${vocab.size - 1}, got ${describeValue(ignoreIndex)}`);
  }
  if (longest + 1 > length) {
    const word = words[encoded.findIndex((ids) => ids.length + 1 > length)]!;
    throw new RangeError(`nextTokenSequences: the word ${JSON.stringify(word)} needs ${[...word].length + 1} positions (its characters and the end), but length is ${length}`);
  }
  const n = encoded.length;
  const x = new Int32Array(n * length);
  const y = new Int32Array(n * length).fill(ignoreIndex);
  encoded.forEach((ids, r) => {
    x.set(ids, r * length + 1);
    y.set(ids, r * length);
    y[r * length + ids.length] = 0;
  });
  return new TensorDataset<[Tensor, Tensor]>(new Tensor(x, [n, length]), new Tensor(y, [n, length]));
}
