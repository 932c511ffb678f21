import { mkdtempSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Generator, tensor } from '@tensile/tensor';
import { Linear } from './layers/linear.js';
import { load, save, writeFileAtomic } from './node.js';

const dir = () => mkdtempSync(join(tmpdir(), 'tensile-nn-'));

describe('save / load (Node)', () => {
  test('a model round-trips through a file, and the folder holds only that file', async () => {
    const d = dir();
    const path = join(d, 'model.safetensors');
    const a = new Linear(3, 2, { generator: new Generator(1) });
    await save(path, a, { epoch: '1' });
    const { tensors, metadata } = await load(path);
    expect(metadata).toEqual({ epoch: '1' });
    const b = new Linear(3, 2, { generator: new Generator(2) });
    b.loadStateDict(tensors);
    expect(b.weight.toArray()).toEqual(a.weight.toArray());
    expect(readdirSync(d)).toEqual(['model.safetensors']);
  });

  test('overwrites atomically: the old file stays whole until the new one replaces it', async () => {
    const d = dir();
    const path = join(d, 'ckpt.safetensors');
    await save(path, { w: tensor([1, 2]) });
    const old = readFileSync(path);
    // A state dict that cannot be written fails before anything touches the folder.
    await expect(save(path, { w: 'x' as never })).rejects.toThrow(/"w" is not a Tensor/);
    expect(readFileSync(path).equals(old)).toBe(true);
    await save(path, new Map([['w', tensor([3, 4, 5])]]));
    expect((await load(path)).tensors.get('w')!.toArray()).toEqual([3, 4, 5]);
    expect(readdirSync(d)).toEqual(['ckpt.safetensors']);
  });

  test('a failed rename removes the temporary file and reports the error', async () => {
    const d = dir();
    const target = join(d, 'taken');
    mkdirSync(join(target, 'child'), { recursive: true }); // a non-empty folder cannot be replaced by a file
    await expect(writeFileAtomic(target, new Uint8Array([1, 2, 3]))).rejects.toThrow();
    expect(readdirSync(d)).toEqual(['taken']);
    expect(readdirSync(target)).toEqual(['child']);
  });

  test('load reports a corrupt file and a missing one', async () => {
    const d = dir();
    writeFileSync(join(d, 'bad.safetensors'), new Uint8Array([1, 2, 3]));
    await expect(load(join(d, 'bad.safetensors'))).rejects.toThrow(/loadSafetensors: the file is truncated: 3 bytes/);
    await expect(load(join(d, 'none.safetensors'))).rejects.toThrow(/ENOENT/);
  });
});
