// The safetensors checkpoint format (https://github.com/huggingface/safetensors), browser-safe:
//   [8 bytes: header length N, little-endian u64][N bytes: UTF-8 JSON header][data]
// The header maps each name to { dtype, shape, data_offsets: [begin, end] } (offsets into the data section)
// plus an optional "__metadata__" of string → string. The data section is exactly the tensors' bytes,
// little-endian and row-major, with no gaps or overlaps. The loader validates all of it before decoding.
// Any string but "__metadata__" is a tensor name, "__proto__" and "constructor" included: the header is
// written from a list of entries and read into null-prototype objects and Maps, so no name ever meets
// Object.prototype.
import { Tensor, describeValue, fmtShape, tensor, type DType, type TypedArray } from '@tensile/tensor';
import { parseStrictJson, JsonSyntaxError, type JsonValue } from './strict-json.js';
import type { StateDictInput } from './state-dict.js';

/** A malformed or unsupported safetensors file, or a state dict that cannot be written as one. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** What `loadSafetensors` returns. */
export interface SafetensorsContents {
  tensors: Map<string, Tensor>;
  /** The `__metadata__` strings (a null-prototype object, so any key is plain data), or null when the file has none. */
  metadata: Record<string, string> | null;
}

/** Each file dtype we read: its size and the Tensile dtype it becomes (a Map: a dtype "constructor" is unknown, not a function). */
const READABLE = new Map<string, { bytes: number; dtype: DType }>([
  ['F64', { bytes: 8, dtype: 'float64' }],
  ['F32', { bytes: 4, dtype: 'float32' }],
  ['F16', { bytes: 2, dtype: 'float32' }],
  ['BF16', { bytes: 2, dtype: 'float32' }],
  ['I64', { bytes: 8, dtype: 'int32' }],
  ['I32', { bytes: 4, dtype: 'int32' }],
  ['I16', { bytes: 2, dtype: 'int32' }],
  ['I8', { bytes: 1, dtype: 'int32' }],
  ['U8', { bytes: 1, dtype: 'int32' }],
  ['BOOL', { bytes: 1, dtype: 'bool' }],
]);
/** Valid in the format, but with no Tensile dtype to hold them. */
const UNSUPPORTED = new Set(['U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'C64']);
const WRITTEN: Record<DType, string> = { float64: 'F64', float32: 'F32', int32: 'I32', bool: 'BOOL' };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const MAX_HEADER = 100_000_000;

function fail(message: string): never {
  throw new SafetensorsError(`loadSafetensors: ${message}`);
}

function isSize(v: JsonValue | undefined): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Validates one header entry; every check names the tensor. */
function entryOf(name: string, info: JsonValue): Entry {
  const key = JSON.stringify(name);
  if (!(info instanceof Map)) fail(`the header entry for ${key} is not an object`);
  const [dtype, shape, offsets] = [info.get('dtype'), info.get('shape'), info.get('data_offsets')];
  if (typeof dtype !== 'string') fail(`${key} has no dtype string`);
  if (UNSUPPORTED.has(dtype)) fail(`${key} has dtype ${dtype}, which Tensile cannot hold (it reads F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)`);
  const spec = READABLE.get(dtype);
  if (spec === undefined) fail(`${key} has an unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isSize)) fail(`${key} has an invalid shape ${JSON.stringify(shape)} (expected an array of non-negative integers)`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
    fail(`${key} has invalid data_offsets ${JSON.stringify(offsets)} (expected [begin, end], non-negative integers)`);
  }
  const dims = shape as number[];
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`${key} has data_offsets [${begin}, ${end}] that end before they begin`);
  let bytes = spec.bytes;
  for (const d of dims) {
    bytes *= d;
    if (!Number.isSafeInteger(bytes)) fail(`${key} has a shape ${fmtShape(dims)} too large to address`);
  }
  if (bytes !== end - begin) {
    fail(`${key} is ${dtype} of shape ${fmtShape(dims)}, which takes ${bytes} bytes, but its data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  return { name, dtype, shape: dims, begin, end };
}

const HALF_EXP = new Float32Array(1);
const HALF_BITS = new Uint32Array(HALF_EXP.buffer);

/** IEEE binary16 → number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 is the top half of a float32. */
function bf16ToFloat(h: number): number {
  HALF_BITS[0] = h << 16;
  return HALF_EXP[0]!;
}

function decode(e: Entry, data: Uint8Array): Tensor {
  const { dtype } = e;
  const bytes = data.subarray(e.begin, e.end);
  // A copy with its own aligned buffer, so tensors never alias the caller's bytes.
  const own = bytes.slice();
  const view = new DataView(own.buffer);
  const n = own.length / READABLE.get(dtype)!.bytes;
  let values: TypedArray;
  if (dtype === 'F64') values = LITTLE_ENDIAN ? new Float64Array(own.buffer) : Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, true));
  else if (dtype === 'F32') values = LITTLE_ENDIAN ? new Float32Array(own.buffer) : Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
  else if (dtype === 'I32') values = LITTLE_ENDIAN ? new Int32Array(own.buffer) : Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true));
  else if (dtype === 'F16') values = Float32Array.from({ length: n }, (_, i) => halfToFloat(view.getUint16(2 * i, true)));
  else if (dtype === 'BF16') values = Float32Array.from({ length: n }, (_, i) => bf16ToFloat(view.getUint16(2 * i, true)));
  else if (dtype === 'I16') values = Int32Array.from({ length: n }, (_, i) => view.getInt16(2 * i, true));
  else if (dtype === 'I8') values = Int32Array.from({ length: n }, (_, i) => view.getInt8(i));
  else if (dtype === 'U8') values = Int32Array.from(own);
  else if (dtype === 'BOOL') {
    const bad = own.findIndex((b) => b > 1);
    if (bad >= 0) fail(`${JSON.stringify(e.name)} is BOOL but element ${bad} is the byte ${own[bad]}, not 0 or 1`);
    values = own;
  } else {
    // I64: only values that fit int32 can be represented.
    values = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = view.getBigInt64(8 * i, true);
      if (v < -2147483648n || v > 2147483647n) {
        fail(`${JSON.stringify(e.name)} is I64 and element ${i} is ${v}, which does not fit in int32 (Tensile's integer dtype)`);
      }
      values[i] = Number(v);
    }
  }
  return tensor(values, { shape: e.shape });
}

/**
 * Reads a safetensors file. Everything is validated before any tensor is built (header length, UTF-8,
 * strict JSON without duplicate keys, dtypes, shapes, offsets that tile the data exactly), so a malformed
 * file throws a `SafetensorsError` naming the problem and has no effect. F16/BF16 become float32;
 * I64/I16/I8/U8 become int32 (an I64 value outside int32 is an error).
 * @example model.loadStateDict(loadSafetensors(bytes).tensors)
 */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer): SafetensorsContents {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    fail(`expected a Uint8Array or an ArrayBuffer, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  // A plain Uint8Array view: a Node Buffer's slice() would share memory instead of copying.
  const buf = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 8) fail(`the file is truncated: ${buf.length} bytes, fewer than the 8-byte header length`);
  const head = new DataView(buf.buffer, buf.byteOffset, 8);
  const headerLen = head.getUint32(0, true) + head.getUint32(4, true) * 2 ** 32;
  if (headerLen > buf.length - 8) fail(`the header length ${headerLen} runs past the end of the file (${buf.length - 8} bytes after the length)`);
  if (headerLen > MAX_HEADER) fail(`the header length ${headerLen} is over the ${MAX_HEADER}-byte limit`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + headerLen));
  } catch {
    fail('the header is not valid UTF-8');
  }
  let header: JsonValue;
  try {
    header = parseStrictJson(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) fail(`the header is not valid JSON: ${e.message}`);
    throw e;
  }
  if (!(header instanceof Map)) fail('the header is not a JSON object');
  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  // parseStrictJson's objects are Maps: "__proto__" here is a key like any other, in the file's order.
  for (const [name, info] of header) {
    if (name === '__metadata__') {
      if (!(info instanceof Map) || ![...info.values()].every((v) => typeof v === 'string')) fail('__metadata__ must be an object of string values');
      // A null-prototype object: a key "__proto__" is stored as data, not as the object's prototype.
      metadata = Object.create(null) as Record<string, string>;
      for (const [k, v] of info) metadata[k] = v as string;
    } else entries.push(entryOf(name, info));
  }
  // The tensors must tile the data section: sorted by offset, each starts where the previous ended.
  const data = buf.subarray(8 + headerLen);
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: Entry | null = null;
  for (const e of sorted) {
    const key = JSON.stringify(e.name);
    if (e.end > data.length) fail(`${key} has data_offsets [${e.begin}, ${e.end}] past the end of the data section (${data.length} bytes)`);
    if (e.begin < pos) fail(`${key} (bytes ${e.begin}–${e.end}) overlaps ${JSON.stringify(prev!.name)} (bytes ${prev!.begin}–${prev!.end})`);
    if (e.begin > pos) fail(`the data section has a gap: bytes ${pos}–${e.begin} belong to no tensor (before ${key})`);
    pos = e.end;
    prev = e;
  }
  if (pos !== data.length) fail(`the data section has ${data.length - pos} trailing bytes that belong to no tensor`);
  const tensors = new Map<string, Tensor>();
  for (const e of entries) tensors.set(e.name, decode(e, data));
  return { tensors, metadata };
}

/** The tensor's elements as little-endian bytes. */
function encode(t: Tensor): Uint8Array {
  const values = t.toTypedArray();
  if (values instanceof Uint8Array) return values;
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float64Array) view.setFloat64(8 * i, values[i]!, true);
    else if (values instanceof Float32Array) view.setFloat32(4 * i, values[i]!, true);
    else view.setInt32(4 * i, values[i]!, true);
  }
  return out;
}

/** Entries of a name → value Map or plain object; anything else is a SafetensorsError naming `what`. */
function entriesOf(what: string, input: unknown): [unknown, unknown][] {
  if (input instanceof Map) return [...(input as Map<unknown, unknown>).entries()];
  if (input === null || typeof input !== 'object' || Array.isArray(input) || input instanceof Tensor) {
    throw new SafetensorsError(`saveSafetensors: expected ${what} as a Map or an object, got ${describeValue(input)}`);
  }
  return Object.entries(input);
}

/** A string a UTF-8 header can hold: no unpaired surrogate (which other readers reject, even escaped). */
function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** A JSON object written from `[key, JSON text]` pairs in order; keys are never object properties. */
function jsonObject(pairs: readonly [string, string][]): string {
  return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

/**
 * Writes tensors (e.g. `model.stateDict()`) and optional string metadata in the safetensors format, in
 * the given order, with the header padded by spaces to an 8-byte boundary as Hugging Face's writer does.
 * float32/float64/int32/bool become F32/F64/I32/BOOL. Any string is a tensor name (`""`, `"__proto__"`,
 * unicode) except `"__metadata__"`, which the format reserves, and strings with an unpaired surrogate,
 * which UTF-8 cannot hold. Metadata is a Map or an object of strings.
 * @example const bytes = saveSafetensors(model.stateDict(), { epoch: '3' });
 */
export function saveSafetensors(tensors: StateDictInput, metadata?: Readonly<Record<string, string>> | ReadonlyMap<string, string>): Uint8Array {
  const items = entriesOf('the tensors', tensors);
  const header: [string, string][] = [];
  if (metadata !== undefined) {
    const meta = entriesOf('the metadata', metadata);
    for (const [k, v] of meta) {
      if (typeof k !== 'string' || !isWellFormed(k)) throw new SafetensorsError(`saveSafetensors: the metadata key ${describeValue(k)} is not a well-formed string`);
      if (typeof v !== 'string') throw new SafetensorsError(`saveSafetensors: metadata values must be strings, but ${JSON.stringify(k)} is a ${typeof v}`);
    }
    header.push(['__metadata__', jsonObject(meta.map(([k, v]) => [k as string, JSON.stringify(v)]))]);
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of items) {
    if (typeof name !== 'string' || name === '__metadata__') {
      throw new SafetensorsError(`saveSafetensors: ${typeof name === 'string' ? JSON.stringify(name) : describeValue(name)} cannot be a tensor name${name === '__metadata__' ? ' (the format reserves it for the metadata)' : ''}`);
    }
    if (!isWellFormed(name)) throw new SafetensorsError(`saveSafetensors: the tensor name ${JSON.stringify(name)} has an unpaired surrogate, which UTF-8 cannot hold`);
    if (!(t instanceof Tensor)) throw new SafetensorsError(`saveSafetensors: ${JSON.stringify(name)} is not a Tensor`);
    const bytes = encode(t);
    header.push([name, JSON.stringify({ dtype: WRITTEN[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] })]);
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(jsonObject(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}
