// Every options object of @tensile/data (and its Node entry) rejects keys it does not know, naming the
// function, the key, a hint where one fits, and the keys it does know; the DataLoader's own are in
// data-loader.test.ts.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Generator, arange, tensor } from '@tensile/tensor';
import {
  TensorDataset, decodeIdx, encodeIdx, fashionMnist, gunzip, idxImageDataset, idxToTensor, mnist, mnistFromDigits, mnistIdx, parseIdx, randomSplit,
  tensorToIdx, transforms, writeIdxFile,
} from '../src/node.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const unknown = (where: string, key: string, hint: string | null, known: string) =>
  new RegExp(`^${esc(where)}: unknown option "${esc(key)}"${hint === null ? '' : ` \\(did you mean ${esc(hint)}\\?\\)`}; the options are ${esc(known)}$`);

const idx = encodeIdx({ type: 'ubyte', shape: [2], data: [1, 2] });
const images = decodeIdx(encodeIdx({ type: 'ubyte', shape: [1, 2, 2], data: [0, 1, 2, 3] }));
const labels = decodeIdx(encodeIdx({ type: 'ubyte', shape: [1], data: [7] }));
const digits = Array.from({ length: 10 }, () => new Float32Array(784));

describe('synchronous options', () => {
  it.each([
    ['randomSplit', () => randomSplit(new TensorDataset(arange(4)), [2, 2], { seed: 1 } as never), 'seed', null, 'generator'],
    ['oneHot', () => transforms.oneHot(3, { dtypes: 'int32' } as never), 'dtypes', 'dtype', 'dtype'],
    ['randomShift', () => transforms.randomShift(2, { padding_mode: 'zeros' } as never), 'padding_mode', null, 'generator, fill'],
    ['randomShift', () => transforms.randomShift(2, { fil: 1 } as never), 'fil', 'fill', 'generator, fill'],
    ['mnistFromDigits', () => mnistFromDigits(digits, { train_size: 5 } as never), 'train_size', 'trainSize', 'flatten, dtype, trainSize, testSize, seed'],
    ['idxImageDataset', () => idxImageDataset(images, labels, { normalize: true } as never), 'normalize', null, 'flatten, dtype, source'],
    ['decodeIdx', () => decodeIdx(idx, { file: 'x' } as never), 'file', null, 'source'],
    ['idxToTensor', () => idxToTensor(labels, { dtpye: 'float32' } as never), 'dtpye', 'dtype', 'dtype'],
  ] as const)('%s', (where, call, key, hint, known) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(unknown(where, key, hint, known));
  });

  it('values that are truthy but not what they say are errors too', () => {
    expect(() => randomSplit(new TensorDataset(arange(4)), [2, 2], { generator: 42 } as never)).toThrow(/^randomSplit: generator must be a Generator/);
    expect(() => transforms.randomShift(2, { generator: 'g' } as never)).toThrow(/^randomShift: generator must be a Generator/);
    expect(() => mnistFromDigits(digits, { flatten: 'yes' } as never)).toThrow(/^image datasets: flatten must be true or false, got yes$/);
  });

  it('an IDX type named like an Object.prototype member is unknown, not a crash', () => {
    for (const type of ['constructor', 'toString', '__proto__']) {
      expect(() => encodeIdx({ type: type as never, shape: [1], data: [1] })).toThrow(new RegExp(`^encodeIdx: unknown IDX type "${type}"; expected one of ubyte`));
    }
  });

  it('transforms and tensorToIdx name the argument that is not a tensor', () => {
    expect(() => transforms.normalize(0, 1)([1, 2] as never)).toThrow(/^normalize: argument 'input' must be a Tensor, got an array$/);
    expect(() => transforms.oneHot(3)(null as never)).toThrow(/^oneHot: argument 'labels' must be a Tensor, got null$/);
    expect(() => tensorToIdx('t' as never)).toThrow(/^tensorToIdx: argument 'tensor' must be a Tensor, got a string \("t"\)$/);
    expect(transforms.oneHot(3)(tensor([2], { dtype: 'int32' })).toArray()).toEqual([[0, 0, 1]]);
    expect(transforms.randomShift(0, { generator: new Generator(0), fill: 1 })(tensor([[1]])).toArray()).toEqual([[1]]);
  });
});

describe('asynchronous options (Node entry included)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tensile-data-options-'));

  it.each([
    ['parseIdx', () => parseIdx(idx, { name: 'x' } as never), 'name', null, 'source'],
    ['gunzip', () => gunzip(idx, { sourc: 'x' } as never), 'sourc', 'source', 'source'],
    ['writeIdxFile', () => writeIdxFile(join(dir, 'a.idx'), { type: 'ubyte', shape: [1], data: [1] }, { compress: true } as never), 'compress', null, 'gzip'],
    ['mnist', () => mnist({ test_size: 10 } as never), 'test_size', 'testSize', 'flatten, dtype, trainSize, testSize, seed'],
    ['mnistIdx', () => mnistIdx(dir, { seed: 1 } as never), 'seed', null, 'flatten, dtype'],
    ['fashionMnist', () => fashionMnist(dir, { flaten: true } as never), 'flaten', 'flatten', 'flatten, dtype'],
  ] as const)('%s', async (where, call, key, hint, known) => {
    await expect(call()).rejects.toThrow(TypeError);
    await expect(call()).rejects.toThrow(unknown(where, key, hint, known));
  });

  it('writeIdxFile with bad options writes nothing', async () => {
    const d = mkdtempSync(join(tmpdir(), 'tensile-data-options-'));
    await expect(writeIdxFile(join(d, 'a.idx'), { type: 'ubyte', shape: [1], data: [1] }, { gzip: 'yes' } as never)).rejects.toThrow(
      /^writeIdxFile: gzip must be true or false, got yes$/,
    );
    expect(readdirSync(d)).toEqual([]);
  });
});
