import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Generator } from '@tensile/tensor';
import { randomPermutation } from './dataset.js';
import { DatasetNotFoundError } from './errors.js';
import { readWords } from './node.js';
import { Vocabulary, contextWindows, nextTokenSequences, parseWords, splitWords } from './text.js';

const fixture = fileURLToPath(new URL('../test/fixtures/words.txt', import.meta.url));
// The fixture's lines: mixed case, a repeat ("Ava" after "ava"), a hyphen, an apostrophe, an umlaut, spaces, a blank line.
const WORDS = ['emma', 'olivia', 'ava', 'isabella', 'sophia', 'charlotte', 'mia', 'amelia', 'harper', 'evelyn', 'noah', 'liam'];

describe('parseWords', () => {
  it('trims, lower-cases, keeps a–z words once, in first-seen order', () => {
    expect(parseWords(readFileSync(fixture, 'utf8'))).toEqual(WORDS);
    expect(parseWords('b\r\nA\r\na\n')).toEqual(['b', 'a']);
  });

  it('takes another pattern, without lower-casing if asked; a global RegExp does not skip lines', () => {
    expect(parseWords('Zürich\nzug\nZug\n', { pattern: /^\p{L}+$/u, lowercase: false })).toEqual(['Zürich', 'zug', 'Zug']);
    expect(parseWords('ab\ncd\nef\n', { pattern: /^[a-z]+$/g })).toEqual(['ab', 'cd', 'ef']);
  });

  it('rejects bad arguments by name', () => {
    expect(() => parseWords(3 as never)).toThrow(/^parseWords: expected the text as a string, got 3$/);
    expect(() => parseWords('a', { pattern: '^a$' } as never)).toThrow(/^parseWords: pattern must be a RegExp/);
    expect(() => parseWords('a', { lower: true } as never)).toThrow(/^parseWords: unknown option "lower"/);
  });
});

describe('Vocabulary', () => {
  const vocab = Vocabulary.fromWords(['emma', 'ava']);

  it('puts the boundary first, then the characters in code-point order', () => {
    expect(vocab.tokens).toEqual(['.', 'a', 'e', 'm', 'v']);
    expect(vocab.size).toBe(5);
    expect(vocab.boundary).toBe('.');
    expect(vocab.ids.get('m')).toBe(3);
    expect(vocab.encode('mave')).toEqual([3, 1, 4, 2]);
    expect(vocab.decode([3, 1, 4, 2, 0])).toBe('mave.');
    expect(Vocabulary.fromWords(WORDS).size).toBe(1 + new Set(WORDS.join('')).size);
  });

  it('survives JSON (a checkpoint) unchanged', () => {
    const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(vocab)));
    expect(back.tokens).toEqual(vocab.tokens);
    expect(back.encode('emma')).toEqual(vocab.encode('emma'));
    expect(Vocabulary.fromWords(['ab'], { boundary: '#' }).tokens).toEqual(['#', 'a', 'b']);
  });

  it('names what is wrong', () => {
    expect(() => vocab.encode('mix')).toThrow(/^Vocabulary\.encode: "i" \(character 1 of "mix"\) is not in the vocabulary$/);
    expect(() => vocab.decode([0, 5])).toThrow(/^Vocabulary\.decode: id 5 \(element 1\) is out of range for a vocabulary of 5 tokens$/);
    expect(() => Vocabulary.fromWords(['a.b'])).toThrow(/^Vocabulary\.fromWords: the boundary token "\." occurs in the word "a\.b"; pass another boundary$/);
    expect(() => Vocabulary.fromWords(['ab', ''])).toThrow(/^Vocabulary\.fromWords: word 1 must be a non-empty string/);
    expect(() => new Vocabulary(['.', 'a', 'a'])).toThrow(/^Vocabulary: token "a" appears twice \(ids 1 and 2\)$/);
    expect(() => new Vocabulary(['.', 'ab'])).toThrow(/^Vocabulary: token 1 must be one character/);
    expect(() => Vocabulary.fromJSON({ tokens: 'abc' } as never)).toThrow(/^Vocabulary\.fromJSON: expected \{ tokens: string\[\] \}/);
  });
});

describe('splitWords', () => {
  it('cuts a seeded shuffle at ⌊0.8n⌋ and ⌊0.9n⌋ (makemore\'s rule)', () => {
    const words = Array.from({ length: 17 }, (_, i) => `w${i}`);
    const [train, val, test] = splitWords(words, [0.8, 0.1, 0.1], { seed: 3 });
    expect([train!.length, val!.length, test!.length]).toEqual([13, 2, 2]); // ⌊13.6⌋, ⌊15.3⌋ − 13, 17 − 15
    const perm = randomPermutation(17, new Generator(3));
    expect([...train!, ...val!, ...test!]).toEqual(Array.from(perm, (i) => words[i]));
    expect(splitWords(words, undefined, { seed: 3 })).toEqual([train, val, test]);
    expect(splitWords(words, [0.8, 0.1, 0.1], { seed: 4 })[0]).not.toEqual(train);
    expect(splitWords(Array.from({ length: 10 }, (_, i) => `w${i}`)).map((p) => p.length)).toEqual([8, 1, 1]);
  });

  it('rejects fractions that do not sum to 1', () => {
    expect(() => splitWords(WORDS, [0.8, 0.1])).toThrow(/^splitWords: fractions must be non-negative numbers summing to 1, got \[0\.8, 0\.1\]/);
    expect(() => splitWords(WORDS, [1.2, -0.2])).toThrow(RangeError);
  });
});

describe('contextWindows', () => {
  it('builds makemore\'s (context → next) pairs with the boundary as padding and end', () => {
    const vocab = Vocabulary.fromWords(['emma', 'ava']); // . a e m v
    const [x, y] = contextWindows(['emma', 'ava'], vocab, 3).tensors;
    // emma: ... → e, ..e → m, .em → m, emm → a, mma → . ; ava: ... → a, ..a → v, .av → a, ava → .
    expect(x.dtype).toBe('int32');
    expect(x.toArray()).toEqual([
      [0, 0, 0], [0, 0, 2], [0, 2, 3], [2, 3, 3], [3, 3, 1],
      [0, 0, 0], [0, 0, 1], [0, 1, 4], [1, 4, 1],
    ]);
    expect(y.toArray()).toEqual([2, 3, 3, 1, 0, 1, 4, 1, 0]);
    expect(vocab.decode(y.toTypedArray() as Int32Array)).toBe('emma.ava.');
  });

  it('has one pair per character and word end', () => {
    const vocab = Vocabulary.fromWords(WORDS);
    const ds = contextWindows(WORDS, vocab, 5);
    expect(ds.length).toBe(WORDS.join('').length + WORDS.length);
    expect(ds.tensors[0].shape).toEqual([ds.length, 5]);
    expect(() => contextWindows(WORDS, vocab, 0)).toThrow(/^contextWindows: blockSize must be an integer ≥ 1, got 0$/);
    expect(() => contextWindows(['zz'], vocab, 3)).toThrow(/^Vocabulary\.encode: "z"/);
  });
});

describe('nextTokenSequences', () => {
  const vocab = Vocabulary.fromWords(['emma', 'ava']);

  it('gives the boundary then the word as input and the next ids as target, padded', () => {
    const [x, y] = nextTokenSequences(['emma', 'ava'], vocab).tensors;
    expect(x.toArray()).toEqual([[0, 2, 3, 3, 1], [0, 1, 4, 1, 0]]);
    expect(y.toArray()).toEqual([[2, 3, 3, 1, 0], [1, 4, 1, 0, -100]]);
    const [x7, y7] = nextTokenSequences(['ava'], vocab, { length: 7, ignoreIndex: -1 }).tensors;
    expect(x7.toArray()).toEqual([[0, 1, 4, 1, 0, 0, 0]]);
    expect(y7.toArray()).toEqual([[1, 4, 1, 0, -1, -1, -1]]);
  });

  it('predicts the same characters as contextWindows, in the same order', () => {
    const [, ys] = nextTokenSequences(WORDS, Vocabulary.fromWords(WORDS)).tensors;
    const [, yw] = contextWindows(WORDS, Vocabulary.fromWords(WORDS), 3).tensors;
    expect((ys.toArray() as number[][]).flat().filter((v) => v !== -100)).toEqual(yw.toArray());
  });

  it('rejects a word that does not fit and an ignoreIndex that is a token id', () => {
    expect(() => nextTokenSequences(['emma'], vocab, { length: 4 })).toThrow(/^nextTokenSequences: the word "emma" needs 5 positions \(its characters and the end\), but length is 4$/);
    expect(() => nextTokenSequences(['emma'], vocab, { ignoreIndex: 2 })).toThrow(/^nextTokenSequences: ignoreIndex must be an integer outside the vocabulary's ids 0…4, got 2$/);
    expect(() => nextTokenSequences(['emma'], vocab, { pad: 0 } as never)).toThrow(/^nextTokenSequences: unknown option "pad"/);
  });
});

describe('readWords (Node)', () => {
  it('reads and parses a word file', async () => {
    expect(await readWords(fixture)).toEqual(WORDS);
    expect(await readWords(fixture, { pattern: /^[a-z]{5,}$/ })).toEqual(WORDS.filter((w) => w.length >= 5));
  });

  it('says how to get a missing file', async () => {
    await expect(readWords('/nonexistent/words')).rejects.toThrow(DatasetNotFoundError);
    await expect(readWords('/nonexistent/words')).rejects.toThrow(/^readWords: \/nonexistent\/words does not exist\. Pass the path/);
    await expect(readWords(fixture, { lowercase: 1 } as never)).rejects.toThrow(/^parseWords: lowercase must be true or false, got 1$/);
  });
});
