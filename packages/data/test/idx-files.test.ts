// The Node entry's IDX files: node:zlib gzip, file errors, and mnistIdx over a folder.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetNotFoundError, IdxFormatError, encodeIdx, gunzip, mnistIdx, readIdxFile, writeIdxFile, type IdxType } from '../src/node.js';

const dir = mkdtempSync(join(tmpdir(), 'tensile-idx-'));

const VALUES: Record<IdxType, number[]> = {
  ubyte: [0, 7, 255, 128],
  byte: [-128, 127, 0, -1],
  short: [-32768, 32767, 1, -2],
  int: [2 ** 31 - 1, -(2 ** 31), 3, -4],
  float: [0.5, Math.fround(-1e30), Infinity, -0],
  double: [1e-310, -Math.PI, NaN, 2 ** 60],
};

describe('readIdxFile / writeIdxFile', () => {
  for (const type of Object.keys(VALUES) as IdxType[]) {
    it(`${type}: round trips through raw and gzipped files`, async () => {
      for (const name of [`a-${type}.idx`, `a-${type}.idx.gz`]) {
        const path = join(dir, name);
        await writeIdxFile(path, { type, shape: [2, 2], data: VALUES[type] });
        const onDisk = readFileSync(path);
        expect(onDisk[0] === 0x1f && onDisk[1] === 0x8b).toBe(name.endsWith('.gz'));
        const back = await readIdxFile(path);
        expect(back.type).toBe(type);
        expect(back.shape).toEqual([2, 2]);
        expect(Array.from(back.data)).toEqual(VALUES[type]);
        expect(back.data.constructor.name).not.toBe('Buffer'); // owns its memory, not a view of Node's pool
      }
    });
  }

  it('node:zlib and the core DecompressionStream agree, whatever the file is called', async () => {
    const raw = encodeIdx({ type: 'short', shape: [3], data: [1, -2, 3] });
    const gz = gzipSync(raw);
    expect(await gunzip(gz)).toEqual(new Uint8Array(raw));
    const path = join(dir, 'no-extension');
    writeFileSync(path, gz);
    expect(Array.from((await readIdxFile(path)).data)).toEqual([1, -2, 3]);
    await writeIdxFile(join(dir, 'forced'), { type: 'ubyte', shape: [1], data: [9] }, { gzip: true });
    expect(gunzipSync(readFileSync(join(dir, 'forced')))).toEqual(Buffer.from(encodeIdx({ type: 'ubyte', shape: [1], data: [9] })));
  });

  it('rejects a truncated gzip file, and malformed IDX inside gzip, naming the file', async () => {
    const gz = gzipSync(encodeIdx({ type: 'ubyte', shape: [500], data: new Uint8Array(500).map((_, i) => (i * 7) % 256) }));
    const cut = join(dir, 'cut.gz');
    writeFileSync(cut, gz.subarray(0, gz.length - 20));
    const err = await readIdxFile(cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdxFormatError);
    expect((err as IdxFormatError).problem).toBe('truncated');
    expect((err as Error).message).toContain(`IDX ${cut}: the gzip stream is truncated or corrupt`);

    const bad = join(dir, 'bad-type.gz');
    const bytes = encodeIdx({ type: 'ubyte', shape: [1], data: [1] });
    bytes[2] = 0x07;
    writeFileSync(bad, gzipSync(bytes));
    await expect(readIdxFile(bad)).rejects.toThrow(new RegExp(`IDX ${bad}: unknown element type code 0x07`));
    await expect(readIdxFile(join(dir, 'nope'))).rejects.toThrow(/ENOENT/);
  });
});

describe('mnistIdx', () => {
  // A tiny MNIST in the original layout: 3 training and 2 test images of 28 × 28.
  const images = (n: number, base: number) => ({ type: 'ubyte' as const, shape: [n, 28, 28], data: Array.from({ length: n * 784 }, (_, i) => (base + i) % 256) });
  const folder = mkdtempSync(join(tmpdir(), 'tensile-mnist-'));
  const ready = Promise.all([
    writeIdxFile(join(folder, 'train-images-idx3-ubyte.gz'), images(3, 0)),
    writeIdxFile(join(folder, 'train-labels-idx1-ubyte'), { type: 'ubyte', shape: [3], data: [5, 0, 4] }),
    writeIdxFile(join(folder, 't10k-images.idx3-ubyte'), images(2, 100)),
    writeIdxFile(join(folder, 't10k-labels-idx1-ubyte.gz'), { type: 'ubyte', shape: [2], data: [7, 2] }),
  ]);

  it('reads the four files, raw or gzipped, in either spelling', async () => {
    await ready;
    const { train, test, classes } = await mnistIdx(folder);
    expect(classes[3]).toBe('3');
    expect(train.tensors[0].shape).toEqual([3, 1, 28, 28]);
    expect(train.tensors[1].toArray()).toEqual([5, 0, 4]);
    expect(test.tensors[1].toArray()).toEqual([7, 2]);
    const px = test.tensors[0].toTypedArray();
    expect(px[0]).toBeCloseTo(100 / 255, 7);
    expect(px[784 + 1]).toBeCloseTo(((100 + 785) % 256) / 255, 7);
    expect((await mnistIdx(folder, { flatten: true })).train.tensors[0].shape).toEqual([3, 784]);
  });

  it('says which files are missing, and when the folder does not exist', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tensile-empty-'));
    writeFileSync(join(empty, 'train-images-idx3-ubyte'), encodeIdx(images(1, 0)));
    const err = await mnistIdx(empty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetNotFoundError);
    expect((err as Error).message).toMatch(
      /^mnistIdx: .* has no train-labels-idx1-ubyte\[\.gz\], t10k-images-idx3-ubyte\[\.gz\], t10k-labels-idx1-ubyte\[\.gz\]\. Download/,
    );
    await expect(mnistIdx(join(empty, 'missing'))).rejects.toThrow(/mnistIdx: the folder .*missing does not exist/);
  });

  it('rejects a mismatched pair of files', async () => {
    await ready;
    const odd = mkdtempSync(join(tmpdir(), 'tensile-odd-'));
    await Promise.all([
      writeIdxFile(join(odd, 'train-images-idx3-ubyte'), images(3, 0)),
      writeIdxFile(join(odd, 'train-labels-idx1-ubyte'), { type: 'ubyte', shape: [2], data: [1, 2] }),
      writeIdxFile(join(odd, 't10k-images-idx3-ubyte'), images(1, 0)),
      writeIdxFile(join(odd, 't10k-labels-idx1-ubyte'), { type: 'ubyte', shape: [1], data: [1] }),
    ]);
    await expect(mnistIdx(odd)).rejects.toThrow(/train-images-idx3-ubyte\): 3 images but 2 labels/);
  });
});
