import { afterEach, describe, expect, it, vi } from 'vitest';
import { tensor } from '@tensile/tensor';
import { IdxFormatError } from './errors.js';
import { IDX_TYPES, decodeIdx, encodeIdx, gunzip, gzip, idxToTensor, isGzip, parseIdx, tensorToIdx, type IdxType } from './idx.js';

// Values at the edges of each type's range (and, for floats, the special values IDX must carry).
const SAMPLES: Record<IdxType, number[]> = {
  ubyte: [0, 1, 127, 128, 254, 255],
  byte: [-128, -1, 0, 1, 126, 127],
  short: [-32768, -256, -1, 0, 255, 32767],
  int: [-(2 ** 31), -65536, -1, 0, 65535, 2 ** 31 - 1],
  float: [-0, 1.5, -3.25, Math.fround(0.1), Infinity, NaN],
  double: [-0, 0.1, -1e-300, Number.MAX_VALUE, -Infinity, NaN],
};

describe('IDX round trips', () => {
  for (const type of Object.keys(SAMPLES) as IdxType[]) {
    it(`${type}: encode then decode gives back the type, shape and every value`, () => {
      const data = SAMPLES[type];
      for (const shape of [[6], [2, 3], [3, 1, 2]]) {
        const back = decodeIdx(encodeIdx({ type, shape, data }));
        expect(back.type).toBe(type);
        expect(back.shape).toEqual(shape);
        expect(Array.from(back.data)).toEqual(data); // toEqual treats -0 and 0 as different, NaN as NaN
      }
    });
  }

  it('writes the header and big-endian elements byte for byte', () => {
    // magic 00 00 0B 02, dims 2 and 1 as big-endian uint32, then the shorts 0x0102 and -2 = 0xfffe
    const bytes = encodeIdx({ type: 'short', shape: [2, 1], data: [0x0102, -2] });
    expect(Array.from(bytes)).toEqual([0, 0, 0x0b, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0x01, 0x02, 0xff, 0xfe]);
    expect(IDX_TYPES).toEqual({ ubyte: 0x08, byte: 0x09, short: 0x0b, int: 0x0c, float: 0x0d, double: 0x0e });
  });

  it('handles empty dimensions and a file inside a larger buffer', () => {
    expect(decodeIdx(encodeIdx({ type: 'int', shape: [0, 5], data: [] })).shape).toEqual([0, 5]);
    const inner = encodeIdx({ type: 'double', shape: [2], data: [1.25, -2] });
    const padded = new Uint8Array(inner.length + 3);
    padded.set(inner, 3);
    expect(Array.from(decodeIdx(padded.subarray(3)).data)).toEqual([1.25, -2]);
    expect(Array.from(decodeIdx(inner.buffer as ArrayBuffer).data)).toEqual([1.25, -2]);
  });

  it('returns data that owns its memory', () => {
    for (const type of ['ubyte', 'byte', 'int'] as const) {
      const bytes = encodeIdx({ type, shape: [2], data: [1, 2] });
      const back = decodeIdx(bytes);
      bytes.fill(0x7f, 8);
      expect(Array.from(back.data)).toEqual([1, 2]);
    }
  });

  it('converts to and from tensors', () => {
    const ub = decodeIdx(encodeIdx({ type: 'ubyte', shape: [2, 2], data: [0, 64, 128, 255] }));
    const t = idxToTensor(ub);
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual([[0, 64], [128, 255]]);
    expect(idxToTensor(decodeIdx(encodeIdx({ type: 'byte', shape: [2], data: [-5, 7] })), { dtype: 'float64' }).toArray()).toEqual([-5, 7]);
    expect(idxToTensor(decodeIdx(encodeIdx({ type: 'float', shape: [1], data: [0.5] }))).dtype).toBe('float32');
    expect(idxToTensor(decodeIdx(encodeIdx({ type: 'double', shape: [1], data: [0.1] }))).toArray()).toEqual([0.1]);
    const x = tensor([[1.5, -2], [3, 4]], { dtype: 'float64' });
    const back = decodeIdx(encodeIdx(tensorToIdx(x)));
    expect(back.type).toBe('double');
    expect(idxToTensor(back).toArray()).toEqual([[1.5, -2], [3, 4]]);
    const labels = tensor([3, 0, 9], { dtype: 'int32' });
    expect(decodeIdx(encodeIdx(tensorToIdx(labels, 'ubyte'))).data).toEqual(new Uint8Array([3, 0, 9]));
    expect(decodeIdx(encodeIdx(tensorToIdx(labels.t()))).type).toBe('int');
  });
});

describe('IDX rejects malformed files, saying which problem it found', () => {
  const good = encodeIdx({ type: 'ubyte', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }); // 12-byte header + 6

  const reject = (bytes: Uint8Array, problem: string, message: RegExp) => {
    let caught: unknown;
    try {
      decodeIdx(bytes, { source: 'x.idx' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(IdxFormatError);
    expect((caught as IdxFormatError).problem).toBe(problem);
    expect((caught as Error).message).toMatch(/^IDX x\.idx: /);
    expect((caught as Error).message).toMatch(message);
  };

  it('a file shorter than the magic number', () => {
    reject(new Uint8Array([]), 'truncated', /truncated: the file is 0 bytes long, shorter than the 4-byte magic number/);
    reject(good.subarray(0, 3), 'truncated', /3 bytes long/);
  });

  it('a bad magic number', () => {
    const bad = good.slice();
    bad[1] = 0x42;
    reject(bad, 'bad-magic', /bad magic number 00 42 08 02/);
    reject(new TextEncoder().encode('P5 28 28 255'), 'bad-magic', /bad magic number 50 35 20 32/);
  });

  it('gzipped bytes given to the raw decoder', () => {
    reject(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]), 'bad-magic', /gzip signature 1f 8b.*decompress it first/);
  });

  it('an unknown element type code', () => {
    const bad = good.slice();
    bad[2] = 0x0a;
    reject(bad, 'unknown-type', /unknown element type code 0x0a; IDX defines 0x08 \(ubyte\), 0x09 \(byte\), 0x0b \(short\), 0x0c \(int\), 0x0d \(float\), 0x0e \(double\)/);
  });

  it('a header cut short', () => {
    reject(good.subarray(0, 10), 'truncated', /truncated header: it declares 2 dimensions \(a 12-byte header\) but the file is 10 bytes long/);
  });

  it('data cut short', () => {
    reject(good.subarray(0, 17), 'truncated', /truncated: the header declares shape \[2, 3\] of ubyte \(6 bytes of data\) but only 5 bytes follow the 12-byte header/);
    const ints = encodeIdx({ type: 'int', shape: [3], data: [1, 2, 3] });
    reject(ints.subarray(0, ints.length - 1), 'truncated', /shape \[3\] of int \(12 bytes of data\) but only 11 bytes/);
  });

  it('a header whose dimensions disagree with the data size', () => {
    const bad = good.slice();
    bad[11] = 2; // [2, 3] → [2, 2]: 4 bytes declared, 6 present
    reject(bad, 'size-mismatch', /the header's dimensions disagree with the data size: the header declares shape \[2, 2\] of ubyte \(4 bytes of data\) but 6 bytes follow the header/);
    const extra = new Uint8Array(good.length + 1);
    extra.set(good);
    reject(extra, 'size-mismatch', /\[2, 3\] of ubyte \(6 bytes of data\) but 7 bytes follow/);
  });

  it('names the source, and rejects input that is not bytes', () => {
    expect(() => decodeIdx(new Uint8Array(2))).toThrow(/^IDX data: truncated/);
    expect(() => decodeIdx([0, 0, 8, 1] as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('encodeIdx rejects what the type cannot hold', () => {
  it.each([
    ['ubyte', 256, /element 1 is 256, which ubyte cannot hold \(integers in \[0, 255\]\)/],
    ['ubyte', -1, /element 1 is -1/],
    ['byte', 128, /byte cannot hold \(integers in \[-128, 127\]\)/],
    ['short', 1.5, /element 1 is 1.5, which short cannot hold/],
    ['int', 2 ** 31, /int cannot hold/],
    ['int', NaN, /element 1 is NaN/],
  ] as const)('%s %s', (type, value, message) => {
    expect(() => encodeIdx({ type, shape: [2], data: [0, value] })).toThrow(message);
  });

  it('a shape that does not match the data, and an unknown type', () => {
    expect(() => encodeIdx({ type: 'ubyte', shape: [2, 2], data: [1, 2, 3] })).toThrow(/shape \[2, 2\] holds 4 elements but the data has 3/);
    expect(() => encodeIdx({ type: 'ubyte', shape: [-1], data: [] })).toThrow(/sizes must be integers in \[0, 2\^32\), got shape \[-1\]/);
    expect(() => encodeIdx({ type: 'long' as IdxType, shape: [1], data: [1] })).toThrow(/unknown IDX type "long"/);
  });
});

describe('gzip in the core (CompressionStream / DecompressionStream)', () => {
  it('parseIdx reads raw and gzipped files alike', async () => {
    const raw = encodeIdx({ type: 'float', shape: [2, 2], data: [1, 2, 3, 4.5] });
    const gz = await gzip(raw);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(raw)).toBe(false);
    expect(gz.length).not.toBe(raw.length);
    expect(await gunzip(gz)).toEqual(raw);
    for (const bytes of [raw, gz]) {
      const back = await parseIdx(bytes);
      expect(back.shape).toEqual([2, 2]);
      expect(Array.from(back.data)).toEqual([1, 2, 3, 4.5]);
    }
  });

  it('rejects a truncated gzip stream as truncated', async () => {
    const gz = await gzip(encodeIdx({ type: 'ubyte', shape: [1000], data: new Uint8Array(1000).map((_, i) => i % 251) }));
    const err = await parseIdx(gz.subarray(0, gz.length - 12), { source: 'cut.gz' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdxFormatError);
    expect((err as IdxFormatError).problem).toBe('truncated');
    expect((err as Error).message).toMatch(/^IDX cut\.gz: the gzip stream is truncated or corrupt/);
  });

  afterEach(() => vi.unstubAllGlobals());

  it('says what to use where the runtime has no DecompressionStream', async () => {
    const gz = await gzip(encodeIdx({ type: 'ubyte', shape: [1], data: [1] }));
    vi.stubGlobal('DecompressionStream', undefined);
    vi.stubGlobal('CompressionStream', undefined);
    await expect(parseIdx(gz)).rejects.toThrow(/gunzip: this runtime has no DecompressionStream; in Node use readIdxFile \/ writeIdxFile from @tensile\/data\/node/);
    await expect(gzip(new Uint8Array(1))).rejects.toThrow(/gzip: this runtime has no CompressionStream/);
    expect((await parseIdx(encodeIdx({ type: 'ubyte', shape: [1], data: [3] }))).data).toEqual(new Uint8Array([3])); // raw needs no stream
  });

  it('a gzipped file with a malformed IDX inside is still caught', async () => {
    const inner = encodeIdx({ type: 'ubyte', shape: [4], data: [1, 2, 3, 4] }).subarray(0, 10);
    await expect(parseIdx(await gzip(inner))).rejects.toThrow(/truncated: the header declares shape \[4\]/);
  });
});
