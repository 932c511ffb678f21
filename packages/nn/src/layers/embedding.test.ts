import { describe, expect, test } from 'vitest';
import { DTypeError, tensor } from '@tensile/tensor';
import { Embedding } from './embedding.js';

describe('Embedding', () => {
  test('looks rows up for int32 indices of any shape', () => {
    const emb = new Embedding(4, 2, { dtype: 'float64' });
    emb.loadStateDict({ weight: tensor([[0, 1], [2, 3], [4, 5], [6, 7]], { dtype: 'float64' }) });
    expect(emb.forward(tensor([[3, 0], [1, 1]], { dtype: 'int32' })).toArray()).toEqual([[[6, 7], [0, 1]], [[2, 3], [2, 3]]]);
    expect(emb.forward(tensor(2, { dtype: 'int32' })).toArray()).toEqual([4, 5]);
  });

  test('names itself in errors', () => {
    const emb = new Embedding(10, 3);
    expect(() => emb.forward(tensor([1, 2]))).toThrow(DTypeError);
    expect(() => emb.forward(tensor([1, 2]))).toThrow(/^Embedding\(10, 3\): expected int32 indices, got float32$/);
    expect(() => emb.forward(tensor([1, 10], { dtype: 'int32' }))).toThrow(/^Embedding\(10, 3\): index 10 \(element 1 of the input of shape \[2\]\) is out of range for 10 embeddings$/);
    expect(() => new Embedding(10, 3, { paddingIdx: 10 })).toThrow(/Embedding: paddingIdx must be an integer in \[-10, 9\], got 10/);
    expect(new Embedding(10, 3, { paddingIdx: -1 }).paddingIdx).toBe(9);
  });
});
