// fashionMnist(): Debian's dataset-fashion-mnist package when it is installed, the install hint when not.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetNotFoundError, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, fashionMnist } from '../src/node.js';

const installed = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

describe('fashionMnist', () => {
  it.runIf(installed)('loads 60,000 + 10,000 images from the Debian package, 6,000 / 1,000 per class', async () => {
    const { train, test, classes } = await fashionMnist();
    expect(classes).toBe(FASHION_MNIST_CLASSES);
    expect([train.length, test.length]).toEqual([60000, 10000]);
    expect(train.tensors[0].shape).toEqual([60000, 1, 28, 28]);
    expect(test.tensors[0].shape).toEqual([10000, 1, 28, 28]);
    const counts = (y: Int32Array) => y.reduce((c, v) => (c[v]!++, c), Array<number>(10).fill(0));
    expect(counts(train.tensors[1].toTypedArray() as Int32Array)).toEqual(Array(10).fill(6000));
    expect(counts(test.tensors[1].toTypedArray() as Int32Array)).toEqual(Array(10).fill(1000));
    // The first training image and label, straight from the gzipped bytes (16- and 8-byte headers).
    const imgBytes = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')));
    const lblBytes = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz')));
    expect(train.tensors[1].toTypedArray()[0]).toBe(lblBytes[8]);
    const first = train.tensors[0].narrow(0, 0, 1).toTypedArray();
    const last = test.tensors[0].narrow(0, 9999, 1).toTypedArray();
    const testBytes = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, 't10k-images-idx3-ubyte.gz')));
    for (let p = 0; p < 784; p++) {
      expect(first[p]).toBe(Math.fround(imgBytes[16 + p]! / 255));
      expect(last[p]).toBe(Math.fround(testBytes[16 + 9999 * 784 + p]! / 255));
    }
  });

  it('explains how to install it when the folder is missing', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'tensile-fm-')), 'fashion-mnist');
    const err = await fashionMnist(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetNotFoundError);
    expect((err as Error).message).toMatch(/^fashionMnist: the folder .*fashion-mnist does not exist\. Put the four files from https:\/\/github\.com\/zalandoresearch\/fashion-mnist there, or call fashionMnist\(\) without a folder to use Debian's dataset-fashion-mnist package/);
  });

  it.runIf(!installed)('the default folder, when the Debian package is missing, says to apt-get install it', async () => {
    await expect(fashionMnist()).rejects.toThrow(/fashionMnist: the folder \/usr\/share\/datasets\/fashion-mnist does not exist\. Install it with `sudo apt-get install dataset-fashion-mnist`/);
  });
});
