// loadSafetensors validates a whole file before building any tensor: every malformed file below is
// rejected with a SafetensorsError naming the problem, so `model.loadStateDict(loadSafetensors(bytes).tensors)`
// never starts and the model keeps its weights.
import { beforeEach, describe, expect, test } from 'vitest';
import { Generator, randn } from '@tensile/tensor';
import { BatchNorm1d, Linear, ReLU, SafetensorsError, Sequential, loadSafetensors, saveSafetensors } from '../src/index.js';
import { snapshot } from './helpers.js';

const enc = new TextEncoder();

/** A file from a header (object or raw text) and a data section, with an optional forged header length. */
function file(header: object | string | Uint8Array, data: Uint8Array | number = 0, length?: bigint): Uint8Array {
  const h = header instanceof Uint8Array ? header : enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

function model(): Sequential {
  const g = new Generator(5);
  return new Sequential(new Linear(3, 4, { generator: g }), new BatchNorm1d(4), new ReLU(), new Linear(4, 2, { generator: g }));
}

/** A good file for `model()` with other values, to mutate. */
const good = (() => {
  const m = model();
  for (const p of m.parameters()) p.requiresGrad = false;
  for (const [, t] of m.stateEntries()) if (t.dtype === 'float32') t.copy_(randn([...t.shape], { generator: new Generator(9) }));
  return saveSafetensors(m.stateDict(), { note: 'good' });
})();

const hostile: [string, () => Uint8Array, RegExp][] = [
  ['an empty file', () => new Uint8Array(0), /the file is truncated: 0 bytes, fewer than the 8-byte header length/],
  ['a file shorter than the length field', () => good.slice(0, 5), /truncated: 5 bytes/],
  ['a header cut short', () => good.slice(0, 40), /the header length \d+ runs past the end of the file \(32 bytes after the length\)/],
  ['data cut short', () => good.slice(0, good.length - 1), /past the end of the data section/],
  ['a header length one past the end', () => file('{}', 0, 3n), /the header length 3 runs past the end of the file \(2 bytes/],
  ['a header length of 2^63', () => file('{}', 0, 2n ** 63n), /runs past the end of the file/],
  ['a header length of 2^64 − 1', () => file('{}', 0, 2n ** 64n - 1n), /runs past the end of the file/],
  ['a zero header length', () => file('', 0), /not valid JSON: unexpected end of text at character 0/],
  ['a header that is not UTF-8', () => file(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /the header is not valid UTF-8/],
  ['invalid JSON', () => file('{"a": '), /the header is not valid JSON: unexpected end of text/],
  ['JSON with a trailing comma', () => file('{"a": 1,}'), /not valid JSON: expected a string key/],
  ['JSON followed by other text', () => file('{} {}'), /not valid JSON: unexpected text after the JSON value at character 3/],
  ['a JSON array header', () => file('[1, 2]'), /the header is not a JSON object/],
  ['a JSON string header', () => file('"w"'), /the header is not a JSON object/],
  ['a duplicate key', () => file(`{"w": ${JSON.stringify(f32([1], 0, 4))}, "w": ${JSON.stringify(f32([1], 4, 8))}}`, 8), /not valid JSON: duplicate key "w" at character \d+/],
  ['a duplicate key spelled with an escape', () => file(`{"w": ${JSON.stringify(f32([1], 0, 4))}, "\\u0077": ${JSON.stringify(f32([1], 4, 8))}}`, 8), /duplicate key "w"/],
  ['a number too large for a double', () => file('{"w": {"dtype": "F32", "shape": [1e999], "data_offsets": [0, 4]}}', 4), /not valid JSON: the number 1e999 is not finite as a double/],
  ['NaN in the header', () => file('{"w": {"dtype": "F32", "shape": [NaN], "data_offsets": [0, 4]}}', 4), /not valid JSON: unexpected "NaN\]/],
  ['Infinity in the header', () => file('{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, Infinity]}}', 4), /not valid JSON: unexpected "Infinity"/],
  ['nesting 100 levels deep', () => file('{"w": ' + '['.repeat(100) + ']'.repeat(100) + '}'), /not valid JSON: nesting deeper than 64/],
  ['an entry that is not an object', () => file({ w: [1, 2] }), /the header entry for "w" is not an object/],
  ['an entry without a dtype', () => file({ w: { shape: [1], data_offsets: [0, 4] } }, 4), /"w" has no dtype string/],
  ['an unknown dtype', () => file({ w: { dtype: 'F99', shape: [1], data_offsets: [0, 4] } }, 4), /"w" has an unknown dtype "F99"/],
  ['a valid dtype Tensile cannot hold', () => file({ w: { dtype: 'U32', shape: [1], data_offsets: [0, 4] } }, 4), /"w" has dtype U32, which Tensile cannot hold/],
  ['a negative dimension', () => file({ w: f32([-1], 0, 4) }, 4), /"w" has an invalid shape \[-1\]/],
  ['a fractional dimension', () => file({ w: f32([1.5], 0, 6) }, 6), /"w" has an invalid shape \[1\.5\]/],
  ['a dimension past 2^53', () => file('{"w": {"dtype": "F32", "shape": [9007199254740993], "data_offsets": [0, 4]}}', 4), /"w" has an invalid shape/],
  ['a shape that is not an array', () => file({ w: { dtype: 'F32', shape: 3, data_offsets: [0, 12] } }, 12), /"w" has an invalid shape 3/],
  ['a shape too large to address', () => file({ w: f32([2 ** 20, 2 ** 20, 2 ** 20], 0, 4) }, 4), /"w" has a shape \[1048576, 1048576, 1048576\] too large to address/],
  ['one data offset', () => file({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4), /"w" has invalid data_offsets \[0\]/],
  ['a negative data offset', () => file({ w: f32([1], -4, 0) }, 4), /"w" has invalid data_offsets \[-4,0\]/],
  ['string data offsets', () => file({ w: { dtype: 'F32', shape: [1], data_offsets: ['0', '4'] } }, 4), /"w" has invalid data_offsets/],
  ['offsets that end before they begin', () => file({ w: f32([0], 4, 0) }, 4), /"w" has data_offsets \[4, 0\] that end before they begin/],
  ['offsets past the end of the data', () => file({ w: f32([2], 0, 8) }, 4), /"w" has data_offsets \[0, 8\] past the end of the data section \(4 bytes\)/],
  ['a byte length that is not shape × dtype', () => file({ w: f32([2, 2], 0, 12) }, 12), /"w" is F32 of shape \[2, 2\], which takes 16 bytes, but its data_offsets \[0, 12\] span 12/],
  ['overlapping tensors', () => file({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12), /"b" \(bytes 4–12\) overlaps "a" \(bytes 0–8\)/],
  ['two tensors on the same bytes', () => file({ a: f32([1], 0, 4), b: f32([1], 0, 4) }, 4), /overlaps/],
  ['a gap between tensors', () => file({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, 12), /the data section has a gap: bytes 4–8 belong to no tensor \(before "b"\)/],
  ['data before the first tensor', () => file({ a: f32([1], 4, 8) }, 8), /gap: bytes 0–4/],
  ['trailing bytes after the last tensor', () => file({ a: f32([1], 0, 4) }, 7), /the data section has 3 trailing bytes that belong to no tensor/],
  ['metadata that is not an object', () => file({ __metadata__: 'x' }), /__metadata__ must be an object of string values/],
  ['metadata with a number value', () => file({ __metadata__: { epoch: 3 } }), /__metadata__ must be an object of string values/],
  ['an I64 value outside int32', () => {
    const d = new Uint8Array(16);
    new DataView(d.buffer).setBigInt64(8, 2n ** 31n, true);
    return file({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, d);
  }, /"n" is I64 and element 1 is 2147483648, which does not fit in int32/],
  ['a BOOL byte that is not 0 or 1', () => file({ b: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, new Uint8Array([1, 0, 2])), /"b" is BOOL but element 2 is the byte 2, not 0 or 1/],
];

describe('loadSafetensors on hostile files', () => {
  let m: Sequential;
  beforeEach(() => {
    m = model();
  });

  test('the unmodified file loads', () => {
    const { tensors, metadata } = loadSafetensors(good);
    expect(metadata).toEqual({ note: 'good' });
    m.loadStateDict(tensors);
    expect(snapshot(m.stateEntries())).toEqual(snapshot(tensors));
  });

  test.each(hostile)('%s is rejected, and the model is untouched', (_name, make, message) => {
    const before = snapshot(m.stateEntries());
    const bytes = make();
    const copy = bytes.slice();
    let err: unknown = null;
    try {
      m.loadStateDict(loadSafetensors(bytes).tensors);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as Error).message).toMatch(/^loadSafetensors: /);
    expect((err as Error).message).toMatch(message);
    expect(snapshot(m.stateEntries())).toEqual(before);
    expect(bytes).toEqual(copy); // the input is not modified either
  });

  test('not bytes at all', () => {
    expect(() => loadSafetensors('{}' as never)).toThrow(/loadSafetensors: expected a Uint8Array or an ArrayBuffer, got string/);
    expect(() => loadSafetensors(null as never)).toThrow(SafetensorsError);
  });

  test('the format allows tensors listed in any order and a header padded with spaces', () => {
    const d = new Uint8Array(8);
    new DataView(d.buffer).setFloat32(0, 2.5, true);
    new DataView(d.buffer).setFloat32(4, -1, true);
    const { tensors } = loadSafetensors(file(`{"b": ${JSON.stringify(f32([1], 4, 8))}, "a": ${JSON.stringify(f32([1], 0, 4))}}     `, d));
    expect([...tensors.keys()]).toEqual(['b', 'a']);
    expect(tensors.get('a')!.item()).toBe(2.5);
    expect(tensors.get('b')!.item()).toBe(-1);
  });
});

describe('headers that try to pollute Object.prototype', () => {
  const entry = (begin: number) => JSON.stringify(f32([1], begin, begin + 4));
  const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();
  const clean = protoKeys();
  const probe = () => ({}) as Record<string, unknown>;

  test.each([
    ['"__proto__" holding an object', `{"__proto__": {"polluted": "yes"}}`, 0, /"__proto__" has no dtype string/],
    ['"constructor" → "prototype"', `{"constructor": {"prototype": {"polluted": "yes"}}}`, 0, /"constructor" has no dtype string/],
    ['a metadata "__proto__" object', `{"__metadata__": {"__proto__": {"polluted": "yes"}}}`, 0, /__metadata__ must be an object of string values/],
    ['an entry whose info has a "__proto__" dtype', `{"w": {"__proto__": {"dtype": "F32"}, "shape": [1], "data_offsets": [0, 4]}}`, 4, /"w" has no dtype string/],
  ])('%s is rejected and pollutes nothing', (_name, header, data, message) => {
    expect(() => loadSafetensors(file(header, data))).toThrow(message);
    expect(probe().polluted).toBeUndefined();
    expect(protoKeys()).toEqual(clean);
  });

  test('a valid file with such names loads them as data: tensors and metadata named "__proto__" and "constructor"', () => {
    const d = new Uint8Array(8);
    new DataView(d.buffer).setFloat32(0, 1.5, true);
    new DataView(d.buffer).setFloat32(4, -2, true);
    const header = `{"__metadata__": {"__proto__": "polluted", "constructor": "x"}, "__proto__": ${entry(0)}, "constructor": ${entry(4)}}`;
    const { tensors, metadata } = loadSafetensors(file(header, d));
    expect([...tensors.keys()]).toEqual(['__proto__', 'constructor']);
    expect(tensors.get('__proto__')!.item()).toBe(1.5);
    expect(tensors.get('constructor')!.item()).toBe(-2);
    expect(Object.getPrototypeOf(metadata)).toBeNull();
    expect(Object.entries(metadata!)).toEqual([['__proto__', 'polluted'], ['constructor', 'x']]);
    expect(probe().polluted).toBeUndefined();
    expect(protoKeys()).toEqual(clean);
    // Saved again, the file is the same tensors and metadata.
    const again = loadSafetensors(saveSafetensors(tensors, metadata!));
    expect([...again.tensors.keys()]).toEqual(['__proto__', 'constructor']);
    expect(Object.entries(again.metadata!)).toEqual([['__proto__', 'polluted'], ['constructor', 'x']]);
  });
});
