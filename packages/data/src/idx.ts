// The IDX format (LeCun's, used by MNIST and Fashion-MNIST): a 4-byte magic number `00 00 TT NN`
// (TT = element type, NN = number of dimensions), NN big-endian uint32 sizes, then the elements in
// row-major order, big-endian. http://yann.lecun.com/exdb/mnist/ ("FILE FORMATS FOR THE MNIST DATABASE").
import { checkOptions, checkTensor, numelOf, tensor, type DType, type Tensor } from '@tensile/tensor';
import { IdxFormatError } from './errors.js';

/** IDX element types: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double. */
export type IdxType = 'ubyte' | 'byte' | 'short' | 'int' | 'float' | 'double';

/** The typed array that holds each IDX element type. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: its element type, its dimensions and its elements in row-major order. */
export interface IdxArray {
  readonly type: IdxType;
  readonly shape: readonly number[];
  readonly data: IdxData;
}

interface TypeInfo {
  readonly code: number;
  readonly bytes: number;
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly alloc: (n: number) => IdxData;
  readonly read: (v: DataView, at: number) => number;
  readonly write: (v: DataView, at: number, x: number) => void;
}

const TYPES: Record<IdxType, TypeInfo> = {
  ubyte: { code: 0x08, bytes: 1, min: 0, max: 255, integer: true, alloc: (n) => new Uint8Array(n), read: (v, a) => v.getUint8(a), write: (v, a, x) => v.setUint8(a, x) },
  byte: { code: 0x09, bytes: 1, min: -128, max: 127, integer: true, alloc: (n) => new Int8Array(n), read: (v, a) => v.getInt8(a), write: (v, a, x) => v.setInt8(a, x) },
  short: { code: 0x0b, bytes: 2, min: -32768, max: 32767, integer: true, alloc: (n) => new Int16Array(n), read: (v, a) => v.getInt16(a), write: (v, a, x) => v.setInt16(a, x) },
  int: { code: 0x0c, bytes: 4, min: -(2 ** 31), max: 2 ** 31 - 1, integer: true, alloc: (n) => new Int32Array(n), read: (v, a) => v.getInt32(a), write: (v, a, x) => v.setInt32(a, x) },
  float: { code: 0x0d, bytes: 4, min: -Infinity, max: Infinity, integer: false, alloc: (n) => new Float32Array(n), read: (v, a) => v.getFloat32(a), write: (v, a, x) => v.setFloat32(a, x) },
  double: { code: 0x0e, bytes: 8, min: -Infinity, max: Infinity, integer: false, alloc: (n) => new Float64Array(n), read: (v, a) => v.getFloat64(a), write: (v, a, x) => v.setFloat64(a, x) },
};

/** Every IDX element type with its type code. */
export const IDX_TYPES: Readonly<Record<IdxType, number>> = Object.fromEntries(
  Object.entries(TYPES).map(([name, info]) => [name, info.code]),
) as Record<IdxType, number>;

const BY_CODE = new Map(Object.entries(TYPES).map(([name, info]) => [info.code, name as IdxType]));

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;
const fmtDims = (dims: readonly number[]) => `[${dims.join(', ')}]`;
const fmtBytes = (n: number) => `${n.toLocaleString('en-US')} byte${n === 1 ? '' : 's'}`;

function asBytes(what: string, input: Uint8Array | ArrayBuffer): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new TypeError(`${what}: expected a Uint8Array or an ArrayBuffer, got ${input === null ? 'null' : typeof input}`);
}

/** Whether `bytes` start with the gzip signature `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Options of the IDX readers. */
export interface DecodeIdxOptions {
  /** A file name or URL to put in error messages. */
  source?: string;
}

/**
 * Decodes an uncompressed IDX file. Every malformed file is rejected with an `IdxFormatError` whose
 * `problem` is `truncated`, `bad-magic`, `unknown-type` or `size-mismatch`. The result owns its data.
 * For gzipped bytes use `parseIdx` (or `readIdxFile` from `@tensile/data/node`).
 * @example
 * const { type, shape, data } = decodeIdx(bytes); // 'ubyte', [10000, 28, 28], Uint8Array
 */
export function decodeIdx(input: Uint8Array | ArrayBuffer, opts: DecodeIdxOptions = {}): IdxArray {
  const bytes = asBytes('decodeIdx', input);
  checkOptions('decodeIdx', opts, ['source']);
  const where = `IDX ${opts.source ?? 'data'}`;
  if (isGzip(bytes)) {
    throw new IdxFormatError('bad-magic', `${where}: starts with the gzip signature 1f 8b, not an IDX magic number; decompress it first (parseIdx and readIdxFile do)`);
  }
  if (bytes.length < 4) {
    throw new IdxFormatError('truncated', `${where}: truncated: the file is ${fmtBytes(bytes.length)} long, shorter than the 4-byte magic number`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new IdxFormatError('bad-magic', `${where}: bad magic number ${magic}: an IDX file starts with two zero bytes, then the type code and the number of dimensions`);
  }
  const type = BY_CODE.get(bytes[2]!);
  if (type === undefined) {
    const known = Object.entries(TYPES).map(([name, t]) => `${hex(t.code)} (${name})`).join(', ');
    throw new IdxFormatError('unknown-type', `${where}: unknown element type code ${hex(bytes[2]!)}; IDX defines ${known}`);
  }
  const info = TYPES[type];
  const ndim = bytes[3]!;
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    throw new IdxFormatError(
      'truncated',
      `${where}: truncated header: it declares ${ndim} dimension${ndim === 1 ? '' : 's'} (a ${headerBytes}-byte header) but the file is ${fmtBytes(bytes.length)} long`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d));
  const numel = numelOf(shape);
  const expected = numel * info.bytes;
  const actual = bytes.length - headerBytes;
  const declared = `the header declares shape ${fmtDims(shape)} of ${type} (${fmtBytes(expected)} of data)`;
  if (actual < expected) {
    throw new IdxFormatError(
      'truncated',
      `${where}: truncated: ${declared} but only ${fmtBytes(actual)} follow the ${headerBytes}-byte header (or the header's dimensions are wrong)`,
    );
  }
  if (actual > expected) {
    throw new IdxFormatError('size-mismatch', `${where}: the header's dimensions disagree with the data size: ${declared} but ${fmtBytes(actual)} follow the header`);
  }
  let data: IdxData;
  // new Uint8Array(view) copies; `bytes.slice` would not for a Node Buffer, whose slice is a view.
  if (type === 'ubyte') data = new Uint8Array(bytes.subarray(headerBytes));
  else if (type === 'byte') data = new Int8Array(new Uint8Array(bytes.subarray(headerBytes)).buffer);
  else {
    data = info.alloc(numel);
    for (let i = 0, at = headerBytes; i < numel; i++, at += info.bytes) data[i] = info.read(view, at);
  }
  return { type, shape, data };
}

/** A plain description of an array to write as IDX; `data` is row-major, any numeric array. */
export interface IdxInput {
  readonly type: IdxType;
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/**
 * Encodes an array as an uncompressed IDX file (big-endian). Integer types reject values that are not
 * integers in the type's range rather than wrapping them. `gzip()` compresses the result.
 * @example
 * encodeIdx({ type: 'ubyte', shape: [2, 2], data: [0, 64, 128, 255] })
 */
export function encodeIdx(array: IdxInput): Uint8Array {
  const { type, shape, data } = array;
  const info = Object.hasOwn(TYPES, type) ? TYPES[type] : undefined;
  if (info === undefined) throw new TypeError(`encodeIdx: unknown IDX type ${JSON.stringify(type)}; expected one of ${Object.keys(TYPES).join(', ')}`);
  if (!Array.isArray(shape) || shape.length > 255) {
    throw new RangeError(`encodeIdx: shape must be an array of at most 255 sizes, got ${Array.isArray(shape) ? `${shape.length} sizes` : typeof shape}`);
  }
  if (shape.some((d) => !Number.isInteger(d) || d < 0 || d > 0xffffffff)) {
    throw new RangeError(`encodeIdx: sizes must be integers in [0, 2^32), got shape ${fmtDims(shape)}`);
  }
  const numel = numelOf(shape);
  if (data.length !== numel) throw new RangeError(`encodeIdx: shape ${fmtDims(shape)} holds ${numel} elements but the data has ${data.length}`);
  for (let i = 0; i < numel; i++) {
    const x = data[i]!;
    const ok = info.integer ? Number.isInteger(x) && x >= info.min && x <= info.max : typeof x === 'number';
    if (!ok) throw new RangeError(`encodeIdx: element ${i} is ${x}, which ${type} cannot hold (${info.integer ? `integers in [${info.min}, ${info.max}]` : 'a number'})`);
  }
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + numel * info.bytes);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = shape.length;
  shape.forEach((d, k) => view.setUint32(4 + 4 * k, d));
  for (let i = 0, at = headerBytes; i < numel; i++, at += info.bytes) info.write(view, at, data[i]!);
  return out;
}

function streamsMissing(what: string, cls: string): Error {
  return new Error(
    `${what}: this runtime has no ${cls}; in Node use readIdxFile / writeIdxFile from @tensile/data/node, which use node:zlib`,
  );
}

async function pipe(bytes: Uint8Array, transform: GenericTransformStream): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform as TransformStream<Uint8Array, Uint8Array>);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Decompresses gzip with the web-standard `DecompressionStream` (browsers, Node ≥ 18, Deno). A stream
 * that ends early or is corrupt is an `IdxFormatError` (`truncated`).
 */
export async function gunzip(bytes: Uint8Array, opts: DecodeIdxOptions = {}): Promise<Uint8Array> {
  checkOptions('gunzip', opts, ['source']);
  if (typeof DecompressionStream === 'undefined') throw streamsMissing('gunzip', 'DecompressionStream');
  try {
    return await pipe(bytes, new DecompressionStream('gzip'));
  } catch (e) {
    throw new IdxFormatError('truncated', `IDX ${opts.source ?? 'data'}: the gzip stream is truncated or corrupt (${(e as Error).message})`);
  }
}

/** Compresses with the web-standard `CompressionStream('gzip')`. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof CompressionStream === 'undefined') throw streamsMissing('gzip', 'CompressionStream');
  return pipe(bytes, new CompressionStream('gzip'));
}

/**
 * Decodes an IDX file, raw or gzipped (recognised by its `1f 8b` signature), for example the bytes of a
 * `fetch()` response. Same checks as `decodeIdx`.
 * @example
 * const images = await parseIdx(await (await fetch(url)).arrayBuffer(), { source: url });
 */
export async function parseIdx(input: Uint8Array | ArrayBuffer, opts: DecodeIdxOptions = {}): Promise<IdxArray> {
  const bytes = asBytes('parseIdx', input);
  checkOptions('parseIdx', opts, ['source']);
  return decodeIdx(isGzip(bytes) ? await gunzip(bytes, opts) : bytes, opts);
}

const DEFAULT_DTYPE: Record<IdxType, DType> = { ubyte: 'int32', byte: 'int32', short: 'int32', int: 'int32', float: 'float32', double: 'float64' };

/**
 * A tensor with the IDX array's shape. Default dtype: int32 for the integer types (Tensile has no 8- or
 * 16-bit integers), float32 for float, float64 for double.
 */
export function idxToTensor(idx: IdxArray, opts: { dtype?: DType } = {}): Tensor {
  checkOptions('idxToTensor', opts, ['dtype']);
  const { data } = idx;
  // tensor() converts while it copies; Int8Array and Int16Array are not storage types, so widen those first.
  const values = data instanceof Int8Array || data instanceof Int16Array ? Int32Array.from(data) : data;
  return tensor(values, { dtype: opts.dtype ?? DEFAULT_DTYPE[idx.type], shape: idx.shape });
}

const TYPE_OF_DTYPE: Record<DType, IdxType> = { float32: 'float', float64: 'double', int32: 'int', bool: 'ubyte' };

/**
 * The IDX description of a tensor, ready for `encodeIdx`. Default type: float for float32, double for
 * float64, int for int32, ubyte for bool; pass `type` to narrow (values must fit).
 * @example encodeIdx(tensorToIdx(labels, 'ubyte'))
 */
export function tensorToIdx(t: Tensor, type: IdxType = TYPE_OF_DTYPE[t.dtype]): IdxInput {
  checkTensor('tensorToIdx', 'tensor', t);
  return { type, shape: [...t.shape], data: t.toTypedArray() };
}
