// Safetensors files built byte by byte: malformed headers, offsets that do not tile the data, dtypes and
// values Tensile cannot hold, names that are JavaScript's own (`__proto__`, `constructor`), and attempts at
// prototype pollution. A bad file is a SafetensorsError that names the problem; a good one round-trips.
import { Tensor, ones, tensor } from '@tensile/tensor';
import { SafetensorsError, loadSafetensors, saveSafetensors } from '@tensile/nn';
import { category, err, ok } from '../harness.js';
import { bad, valuesProblem } from '../checks.js';


/** A safetensors file: the header (an object, or raw text), then `data`; `length` overrides the header length. */
function file(header: object | string, data: Uint8Array | number[] = [], length?: number | bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = data instanceof Uint8Array ? data : Uint8Array.from(data);
  const out = new Uint8Array(8 + json.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(length ?? json.length), true);
  out.set(json, 8);
  out.set(bytes, 8 + json.length);
  return out;
}

/** The bytes of float32 values, little-endian. */
const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const entry = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
/** One F32 tensor "w" of shape [2] over 8 bytes: the good file the bad ones are variations of. */
const w2 = (over: Partial<Record<string, unknown>> = {}) => ({ w: { ...entry('F32', [2], [0, 8]), ...over } });

const pollution = () => (Object.prototype as Record<string, unknown>).polluted ?? null;
const notPolluted = (what: string) => (pollution() === null ? null : `${what}: Object.prototype.polluted is now ${JSON.stringify(pollution())}`);
const valuesOf = (t: Tensor | undefined) => (t ? Array.from(t.toTypedArray() as ArrayLike<number>) : []);

export default category('safetensors', [
  // ---- the 8-byte length and the header ----
  { name: 'a file of 4 bytes', run: () => loadSafetensors(new Uint8Array(4)), expect: err(SafetensorsError, /loadSafetensors/, /truncated/) },
  { name: 'an empty file', run: () => loadSafetensors(new Uint8Array(0)), expect: err(SafetensorsError, /loadSafetensors/, /truncated/) },
  { name: 'a header length of 2^40', run: () => loadSafetensors(file('{}', [], 2n ** 40n)), expect: err(SafetensorsError, /header length/, /1099511627776/) },
  { name: 'a header length of 2^64 − 1', run: () => loadSafetensors(file('{}', [], 2n ** 64n - 1n)), expect: err(SafetensorsError, /header length/) },
  { name: 'a header length past the end of the file', run: () => loadSafetensors(file('{}', [], 100)), expect: err(SafetensorsError, /header length 100/, /past the end/) },
  { name: 'a header length of 0', run: () => loadSafetensors(file('', [], 0)), expect: err(SafetensorsError, /JSON/) },
  { name: 'a truncated JSON header', run: () => loadSafetensors(file('{"w": {"dtype": "F32"')), expect: err(SafetensorsError, /not valid JSON/) },
  { name: 'a header with NaN in it', run: () => loadSafetensors(file('{"w": {"dtype": "F32", "shape": [NaN], "data_offsets": [0, 0]}}')), expect: err(SafetensorsError, /not valid JSON/) },
  { name: 'a header nested 100,000 deep', run: () => loadSafetensors(file('['.repeat(100_000))), expect: err(SafetensorsError, /JSON/, /deep|depth|nest/) },
  { name: 'a header that is a JSON array', run: () => loadSafetensors(file('[]')), expect: err(SafetensorsError, /not a JSON object/) },
  {
    name: 'a header that is not UTF-8',
    run: () => {
      const f = file('{"?": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}');
      f[10] = 0xff; // the "?": a byte that starts no UTF-8 sequence
      return loadSafetensors(f);
    },
    expect: err(SafetensorsError, /UTF-8/),
  },
  { name: 'a header with a duplicate name', run: () => loadSafetensors(file('{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}', f32(1, 2))), expect: err(SafetensorsError, /duplicate/, /"w"/) },
  { name: 'an entry that is a string', run: () => loadSafetensors(file({ w: 'F32' })), expect: err(SafetensorsError, /"w"/, /not an object/) },
  { name: '__metadata__ with a number value', run: () => loadSafetensors(file({ __metadata__: { epoch: 3 } })), expect: err(SafetensorsError, /__metadata__/, /string/) },

  // ---- entries ----
  { name: 'an unknown dtype F17', run: () => loadSafetensors(file(w2({ dtype: 'F17' }), f32(1, 2))), expect: err(SafetensorsError, /"w"/, /unknown dtype "F17"/) },
  { name: "a lower-case dtype 'f32'", run: () => loadSafetensors(file(w2({ dtype: 'f32' }), f32(1, 2))), expect: err(SafetensorsError, /"w"/, /"f32"/) },
  { name: 'no dtype', run: () => loadSafetensors(file({ w: { shape: [2], data_offsets: [0, 8] } }, f32(1, 2))), expect: err(SafetensorsError, /"w"/, /dtype/) },
  { name: 'a dtype Tensile cannot hold (U32)', run: () => loadSafetensors(file(w2({ dtype: 'U32' }), f32(1, 2))), expect: err(SafetensorsError, /"w"/, /U32/) },
  { name: 'a negative size in the shape', run: () => loadSafetensors(file(w2({ shape: [-2] }), f32(1, 2))), expect: err(SafetensorsError, /"w"/, /shape/, /-2/) },
  { name: 'a fractional size in the shape', run: () => loadSafetensors(file(w2({ shape: [1.5] }), f32(1, 2))), expect: err(SafetensorsError, /"w"/, /shape/, /1\.5/) },
  { name: 'a shape that is a string', run: () => loadSafetensors(file(w2({ shape: '2' }), f32(1, 2))), expect: err(SafetensorsError, /"w"/, /shape/) },
  { name: 'a shape too large to address', run: () => loadSafetensors(file(w2({ shape: [2 ** 31, 2 ** 31, 2 ** 31] }), f32(1, 2))), expect: err(SafetensorsError, /"w"/, /too large|bytes/) },
  { name: 'data_offsets past the end of the data', run: () => loadSafetensors(file(w2({ data_offsets: [8, 16] }), f32(1, 2))), expect: err(SafetensorsError, /"w"/, /past the end/) },
  { name: 'data_offsets that end before they begin', run: () => loadSafetensors(file(w2({ data_offsets: [8, 0] }), f32(1, 2))), expect: err(SafetensorsError, /"w"/, /\[8, 0\]/) },
  { name: 'data_offsets that do not span the shape', run: () => loadSafetensors(file(w2({ data_offsets: [0, 4] }), f32(1))), expect: err(SafetensorsError, /"w"/, /8 bytes/, /span 4/) },
  { name: 'data_offsets as strings', run: () => loadSafetensors(file(w2({ data_offsets: ['0', '8'] }), f32(1, 2))), expect: err(SafetensorsError, /"w"/, /data_offsets/) },
  { name: 'overlapping tensors', run: () => loadSafetensors(file({ a: entry('F32', [2], [0, 8]), b: entry('F32', [2], [4, 12]) }, f32(1, 2, 3))), expect: err(SafetensorsError, /overlaps/) },
  { name: 'a gap between tensors', run: () => loadSafetensors(file({ a: entry('F32', [1], [0, 4]), b: entry('F32', [1], [8, 12]) }, f32(1, 2, 3))), expect: err(SafetensorsError, /gap/) },
  { name: 'trailing bytes after the last tensor', run: () => loadSafetensors(file(w2(), f32(1, 2, 3))), expect: err(SafetensorsError, /trailing/) },
  { name: 'a BOOL byte of 2', run: () => loadSafetensors(file({ b: entry('BOOL', [2], [0, 2]) }, [1, 2])), expect: err(SafetensorsError, /"b"/, /BOOL/, /2/) },
  { name: 'an I64 value outside int32', run: () => loadSafetensors(file({ i: entry('I64', [1], [0, 8]) }, new Uint8Array(new BigInt64Array([2n ** 40n]).buffer))), expect: err(SafetensorsError, /"i"/, /1099511627776/, /int32/) },

  // ---- bad arguments ----
  { name: "loadSafetensors('abc')", run: () => loadSafetensors(bad('abc')), expect: err([SafetensorsError, TypeError], /loadSafetensors/, /string/) },
  { name: 'loadSafetensors(null)', run: () => loadSafetensors(bad(null)), expect: err([SafetensorsError, TypeError], /loadSafetensors/, /null/) },
  { name: 'saveSafetensors of a plain array value', run: () => saveSafetensors(bad({ w: [1, 2] })), expect: err(SafetensorsError, /saveSafetensors/, /"w"/, /not a Tensor/) },
  { name: 'saveSafetensors(null)', run: () => saveSafetensors(bad(null)), expect: err([SafetensorsError, TypeError], /saveSafetensors/, /null/) },
  // The issue: any string is a valid tensor name on save and load; the empty string too (the format allows it).
  { name: 'saveSafetensors with an empty name round-trips', run: () => [...loadSafetensors(saveSafetensors(new Map([['', ones([1])]]))).tensors.keys()], expect: ok((v) => (JSON.stringify(v) === '[""]' ? null : `got ${JSON.stringify(v)}`)) },
  { name: 'saveSafetensors with a number as metadata', run: () => saveSafetensors({ w: ones([1]) }, bad({ epoch: 3 })), expect: err(SafetensorsError, /metadata/, /epoch/) },

  // ---- names and prototype pollution ----
  {
    name: 'tensors named __proto__ and constructor round-trip',
    run: () => loadSafetensors(saveSafetensors(new Map([['__proto__', tensor([1, 2])], ['constructor', tensor([3])], ['toString', tensor([4])]]))).tensors,
    expect: ok((m: Map<string, Tensor>) =>
      [...m.keys()].join(',') !== '__proto__,constructor,toString' ? `names came back as ${JSON.stringify([...m.keys()])}` : valuesProblem([...valuesOf(m.get('__proto__')), ...valuesOf(m.get('constructor')), ...valuesOf(m.get('toString'))], [1, 2, 3, 4])),
  },
  {
    name: 'a unicode name round-trips',
    run: () => loadSafetensors(saveSafetensors(new Map([['wéight.😀', tensor([5])]]))).tensors,
    expect: ok((m: Map<string, Tensor>) => valuesProblem(valuesOf(m.get('wéight.😀')), [5])),
  },
  {
    name: 'metadata with the key __proto__ round-trips as data',
    run: () => loadSafetensors(saveSafetensors({ w: ones([1]) }, Object.fromEntries([['__proto__', 'x'], ['epoch', '3']]))).metadata,
    expect: ok((md: Record<string, string>) =>
      Object.getPrototypeOf(md) !== Object.prototype && Object.getPrototypeOf(md) !== null ? 'the metadata object got a new prototype'
        : Object.hasOwn(md, '__proto__') && md['__proto__'] === 'x' && md.epoch === '3' ? notPolluted('after loading') : `metadata came back as ${JSON.stringify(Object.entries(md))}`),
  },
  {
    name: 'a header {"__proto__": {"polluted": …}} does not pollute Object.prototype',
    run: () => loadSafetensors(file('{"__proto__": {"polluted": "yes"}}')),
    unchanged: pollution,
    expect: err(SafetensorsError, /"__proto__"/),
  },
  {
    name: 'an entry with a __proto__ field does not pollute Object.prototype',
    run: () => loadSafetensors(file('{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "__proto__": {"polluted": "yes"}}}', f32(1, 2))).tensors,
    expect: ok((m: Map<string, Tensor>) => notPolluted('after loading') ?? valuesProblem(valuesOf(m.get('w')), [1, 2])),
  },
  {
    name: 'metadata {"__proto__": {"polluted": …}} does not pollute Object.prototype',
    run: () => loadSafetensors(file('{"__metadata__": {"__proto__": {"polluted": "yes"}}}')),
    unchanged: pollution,
    expect: err(SafetensorsError, /__metadata__/),
  },

  // ---- values ----
  {
    name: 'F16 and BF16 decode to float32 values',
    run: () => loadSafetensors(file({ h: entry('F16', [3], [0, 6]), b: entry('BF16', [2], [6, 10]) }, new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x3f80, 0xc0a0]).buffer))).tensors,
    // F16 0x3c00 = 1, 0xc000 = −2, 0x7c00 = +∞; BF16 0x3f80 = 1, 0xc0a0 = −5.
    expect: ok((m: Map<string, Tensor>) => valuesProblem([...valuesOf(m.get('h')), ...valuesOf(m.get('b'))], [1, -2, Infinity, 1, -5])),
  },
  {
    name: 'a transposed tensor is saved by value',
    run: () => loadSafetensors(saveSafetensors({ t: tensor([[1, 2, 3], [4, 5, 6]]).t() })).tensors.get('t'),
    expect: ok((t: Tensor) => (t.shape.join() !== '3,2' ? `shape [${t.shape}]` : valuesProblem(valuesOf(t), [1, 4, 2, 5, 3, 6]))),
  },
]);
