import { describe, expect, test } from 'vitest';
import { Generator, randn, tensor, zeros, type Tensor } from '@tensile/tensor';
import { SafetensorsError, loadSafetensors, saveSafetensors } from './safetensors.js';

function headerOf(bytes: Uint8Array): { length: number; json: Record<string, unknown> } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, unknown> };
}

describe('saveSafetensors / loadSafetensors', () => {
  test('round trip: names, order, dtypes, shapes, values and metadata', () => {
    const g = new Generator(1);
    const sd = new Map<string, Tensor>([
      ['w', randn([3, 4], { generator: g })],
      ['d', randn([2], { dtype: 'float64', generator: g })],
      ['i', tensor([[1, -2], [2147483647, -2147483648]], { dtype: 'int32' })],
      ['b', tensor([true, false])],
      ['s', tensor(7.5)],
      ['e', zeros([0, 3])],
      ['view', randn([3, 2], { generator: g }).t()], // non-contiguous: written in row-major order
    ]);
    const { tensors, metadata } = loadSafetensors(saveSafetensors(sd, { epoch: '3', note: 'ünïcode ✓' }));
    expect(metadata).toEqual({ epoch: '3', note: 'ünïcode ✓' });
    expect([...tensors.keys()]).toEqual([...sd.keys()]);
    for (const [k, t] of sd) {
      const r = tensors.get(k)!;
      expect(r.dtype, k).toBe(t.dtype);
      expect(r.shape, k).toEqual(t.shape);
      expect(r.toArray(), k).toEqual(t.toArray());
    }
  });

  test('the layout: u64 length, JSON header padded with spaces to 8 bytes, offsets tiling the data', () => {
    const bytes = saveSafetensors({ a: tensor([1, 2, 3]), b: tensor([1, 2], { dtype: 'float64' }) });
    const { length, json } = headerOf(bytes);
    expect(length % 8).toBe(0);
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + length))).toMatch(/} *$/);
    expect(json).toEqual({
      a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
      b: { dtype: 'F64', shape: [2], data_offsets: [12, 28] },
    });
    expect(bytes.length).toBe(8 + length + 28);
    // Little-endian float32 1.0 = 00 00 80 3f
    expect([...bytes.subarray(8 + length, 8 + length + 4)]).toEqual([0, 0, 0x80, 0x3f]);
  });

  test('is deterministic and copies: loaded tensors do not alias the file bytes', () => {
    const sd = { w: tensor([1, 2]) };
    expect(saveSafetensors(sd)).toEqual(saveSafetensors(sd));
    const bytes = saveSafetensors(sd);
    const t = loadSafetensors(bytes).tensors.get('w')!;
    bytes.fill(0, bytes.length - 8);
    expect(t.toArray()).toEqual([1, 2]);
    expect(loadSafetensors(saveSafetensors({}))).toEqual({ tensors: new Map(), metadata: null });
  });

  test('reads from an ArrayBuffer and from a view at an odd offset', () => {
    const bytes = saveSafetensors({ w: tensor([1, 2], { dtype: 'float64' }) });
    expect(loadSafetensors(bytes.slice().buffer).tensors.get('w')!.toArray()).toEqual([1, 2]);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(loadSafetensors(shifted.subarray(3)).tensors.get('w')!.toArray()).toEqual([1, 2]);
  });

  test('F16 and BF16 special values decode exactly', () => {
    const half = [0x0000, 0x8000, 0x3c00, 0xc100, 0x7bff, 0x0001, 0x0400, 0x7c00, 0xfc00, 0x7e00];
    const bf = [0x3f80, 0xc0a0, 0x7f80, 0x0001];
    const data = new Uint8Array(2 * (half.length + bf.length));
    const view = new DataView(data.buffer);
    [...half, ...bf].forEach((h, i) => view.setUint16(2 * i, h, true));
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [half.length], data_offsets: [0, 2 * half.length] },
      b: { dtype: 'BF16', shape: [bf.length], data_offsets: [2 * half.length, data.length] },
    });
    const h = new TextEncoder().encode(header);
    const file = new Uint8Array(8 + h.length + data.length);
    new DataView(file.buffer).setBigUint64(0, BigInt(h.length), true);
    file.set(h, 8);
    file.set(data, 8 + h.length);
    const { tensors } = loadSafetensors(file);
    expect(Array.from(tensors.get('h')!.toTypedArray())).toEqual([0, -0, 1, -2.5, 65504, 2 ** -24, 2 ** -14, Infinity, -Infinity, NaN]);
    expect(Array.from(tensors.get('b')!.toTypedArray())).toEqual([1, -5, Infinity, 2 ** -133]);
  });

  test('what cannot be written is refused', () => {
    expect(() => saveSafetensors({ __metadata__: tensor([1]) })).toThrow(
      /^saveSafetensors: "__metadata__" cannot be a tensor name \(the format reserves it for the metadata\)$/,
    );
    expect(() => saveSafetensors(new Map([[7 as never, tensor([1])]]))).toThrow(/^saveSafetensors: 7 cannot be a tensor name$/);
    expect(() => saveSafetensors({ w: [1, 2] as never })).toThrow(/saveSafetensors: "w" is not a Tensor/);
    expect(() => saveSafetensors({ w: tensor([1]) }, { epoch: 3 as never })).toThrow(/saveSafetensors: metadata values must be strings, but "epoch" is a number/);
    expect(() => saveSafetensors(null as never)).toThrow(/^saveSafetensors: expected the tensors as a Map or an object, got null$/);
    // A tensor is an object too, but its fields are not tensors by name.
    expect(() => saveSafetensors(tensor([1, 2]) as never)).toThrow(/^saveSafetensors: expected the tensors as a Map or an object, got a float32 tensor of shape \[2\]$/);
    expect(() => saveSafetensors({ w: tensor([1]) }, ['epoch'] as never)).toThrow(/^saveSafetensors: expected the metadata as a Map or an object, got an array$/);
    // An unpaired surrogate has no UTF-8 form; escaped, other readers (serde_json) refuse the file.
    expect(() => saveSafetensors({ 'w\uD800': tensor([1]) })).toThrow(/^saveSafetensors: the tensor name "w\\ud800" has an unpaired surrogate, which UTF-8 cannot hold$/);
    expect(() => saveSafetensors({ w: tensor([1]) }, { '\uDC00': 'x' })).toThrow(/the metadata key a string \("\\udc00"\) is not a well-formed string/);
  });
});

describe('any string is a tensor name', () => {
  // Names that are properties of every object, the empty string, whitespace, escapes and unicode beyond the BMP.
  const names = ['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'prototype', 'valueOf', '', ' ', '\u0000', '"quoted"\n\\', 'ünïcode ✓', '𝔀.🙂', '0', '1e3', '__metadata'];

  test('each saves and loads back under its own name, in order, with its own values', () => {
    const sd = new Map(names.map((n, i) => [n, tensor([i, -i])] as [string, Tensor]));
    const { tensors } = loadSafetensors(saveSafetensors(sd));
    expect([...tensors.keys()]).toEqual(names);
    names.forEach((n, i) => expect(tensors.get(n)!.toArray(), JSON.stringify(n)).toEqual([i, -i]));
    // The written header has every name as a key (JSON.parse's objects keep "__proto__" as an own key).
    const header = JSON.parse(new TextDecoder().decode(saveSafetensors(sd).subarray(8, 8 + headerOf(saveSafetensors(sd)).length)));
    expect(Object.keys(header)).toEqual(expect.arrayContaining(names));
  });

  test('from a plain object with own "__proto__" and "constructor" keys (as JSON.parse or Object.fromEntries make)', () => {
    const obj = Object.fromEntries([['__proto__', tensor([1])], ['constructor', tensor([2])], ['w', tensor([3])]]) as Record<string, Tensor>;
    const { tensors } = loadSafetensors(saveSafetensors(obj));
    expect([...tensors].map(([k, t]) => [k, t.toArray()])).toEqual([['__proto__', [1]], ['constructor', [2]], ['w', [3]]]);
  });

  test('metadata keys are any string too, read into a null-prototype object', () => {
    const meta = new Map([['__proto__', 'p'], ['constructor', 'c'], ['', 'empty']]);
    const { metadata } = loadSafetensors(saveSafetensors({ w: tensor([1]) }, meta));
    expect(Object.getPrototypeOf(metadata)).toBeNull();
    expect(Object.entries(metadata!)).toEqual([['__proto__', 'p'], ['constructor', 'c'], ['', 'empty']]);
    expect(loadSafetensors(saveSafetensors({ w: tensor([1]) }, Object.fromEntries(meta))).metadata!['__proto__']).toBe('p');
  });

  test('a dtype named like an Object.prototype member is an unknown dtype, not a crash or a function', () => {
    for (const dtype of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const text = JSON.stringify({ w: { dtype, shape: [1], data_offsets: [0, 4] } });
      const bytes = new Uint8Array(8 + text.length + 4);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(text.length), true);
      bytes.set(new TextEncoder().encode(text), 8);
      expect(() => loadSafetensors(bytes)).toThrow(new RegExp(`^loadSafetensors: "w" has an unknown dtype "${dtype}"$`));
    }
  });
});
