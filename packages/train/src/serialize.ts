// A training state as ONE safetensors file: the tensors by name, everything else as JSON strings in the
// header's `__metadata__`, with a format name, a version and a CRC-32 of the whole file. Browser-safe:
// bytes in, bytes out (Node writes them atomically, a page offers them as a download or keeps them in
// IndexedDB). The layout is documented in the README ("Checkpoint format").
import { loadSafetensors, saveSafetensors, SafetensorsError } from '@tensile/nn';
import type { Tensor } from '@tensile/tensor';
import { crc32 } from './crc32.js';
import { CheckpointError } from './errors.js';
import { decodeJson, encodeJson, type JsonValue } from './json.js';
import { CHECKPOINT_VERSION, type GeneratorEntry, type TrainingState } from './state.js';
import type { DataLoaderState } from '@tensile/data';

/** The `format` metadata value of a training checkpoint. */
export const CHECKPOINT_FORMAT = 'tensile-training-checkpoint';

/** The metadata keys besides `format`, `version` and `checksum`, each holding JSON. */
const PARTS = ['step', 'epoch', 'optimizer', 'loaders', 'generators', 'extra'] as const;
const PLACEHOLDER = '00000000';
const encoder = new TextEncoder();

/**
 * The checkpoint file of `state`: safetensors with tensors `model.*` and `optimizer.*` and the metadata
 * `format`, `version`, `step`, `epoch`, `optimizer`, `loaders`, `generators`, `extra` and `checksum`.
 * @example const bytes = checkpointToBytes(captureState({ model, optimizer }));
 */
export function checkpointToBytes(state: TrainingState): Uint8Array {
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, version: String(state.version) };
  for (const k of PARTS) metadata[k] = encodeJson(state[k]);
  metadata.checksum = PLACEHOLDER;
  const bytes = saveSafetensors(state.tensors as Map<string, Tensor>, metadata);
  const at = checksumOffset(bytes);
  if (at < 0) throw new CheckpointError('format', 'checkpointToBytes: the checksum field is missing from the header written');
  const crc = fileCrc(bytes, at);
  bytes.set(encoder.encode(crc.toString(16).padStart(8, '0')), at);
  return bytes;
}

/**
 * Reads a checkpoint file: a valid safetensors file, of this format and version, whose checksum matches,
 * with well-formed JSON parts. Anything else throws a CheckpointError that names `source` (the file
 * name, for messages) and the problem. Nothing is restored here; pass the result to `restoreState` or `fit`.
 */
export function checkpointFromBytes(bytes: Uint8Array | ArrayBuffer, source = 'the checkpoint'): TrainingState {
  let contents;
  try {
    contents = loadSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError('file', `${source} is not a valid safetensors file: ${e.message}`, { cause: e });
    throw e;
  }
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const meta = contents.metadata ?? {};
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      'format',
      `${source} is not a training checkpoint (its metadata "format" is ${JSON.stringify(meta.format ?? null)}, expected "${CHECKPOINT_FORMAT}"); ` +
        'a file of weights alone loads with model.loadStateDict(load(path).tensors)',
    );
  }
  const version = Number(meta.version);
  if (String(version) !== meta.version || !Number.isInteger(version) || version < 1) {
    throw new CheckpointError('format', `${source} has an invalid format version ${JSON.stringify(meta.version ?? null)}`);
  }
  if (version > CHECKPOINT_VERSION) {
    throw new CheckpointError('format', `${source} has format version ${version}, written by a newer @tensile/train; this one reads versions 1 to ${CHECKPOINT_VERSION}`);
  }
  const at = checksumOffset(buf);
  if (typeof meta.checksum !== 'string' || !/^[0-9a-f]{8}$/.test(meta.checksum) || at < 0) {
    throw new CheckpointError('file', `${source} has no valid checksum in its metadata`);
  }
  const want = parseInt(meta.checksum, 16);
  const got = fileCrc(buf, at);
  if (got !== want) {
    throw new CheckpointError('file', `${source} is corrupt: its CRC-32 is ${hex(got)} but the file says ${hex(want)} (a torn copy or changed bytes)`);
  }
  const parts: Record<string, JsonValue> = {};
  for (const k of PARTS) {
    const text = meta[k];
    if (text === undefined) throw new CheckpointError('format', `${source} has no metadata "${k}"`);
    try {
      parts[k] = decodeJson(text);
    } catch {
      throw new CheckpointError('format', `${source}: the metadata "${k}" is not valid JSON`);
    }
  }
  const objectPart = (k: string) => {
    const v = parts[k];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CheckpointError('format', `${source}: the metadata "${k}" must be a JSON object`);
    return v;
  };
  for (const k of ['step', 'epoch']) {
    if (!Number.isSafeInteger(parts[k]) || (parts[k] as number) < 0) throw new CheckpointError('format', `${source}: the metadata "${k}" must be an integer ≥ 0, got ${meta[k]}`);
  }
  if (parts.optimizer !== null) objectPart('optimizer');
  return Object.freeze({
    version,
    step: parts.step as number,
    epoch: parts.epoch as number,
    tensors: contents.tensors,
    optimizer: parts.optimizer ?? null,
    loaders: objectPart('loaders') as unknown as Record<string, DataLoaderState>,
    generators: objectPart('generators') as unknown as Record<string, GeneratorEntry>,
    extra: objectPart('extra') as Record<string, JsonValue>,
  });
}

/**
 * Where the 8 hex digits of the checksum sit in the file, or −1. They are the value of the metadata key
 * `checksum`, found by its exact JSON text in the header (inside a JSON string a quote is always escaped,
 * so the pattern can only be the key itself).
 */
function checksumOffset(bytes: Uint8Array): number {
  if (bytes.length < 8) return -1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const headerLen = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLen > bytes.length - 8) return -1;
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + headerLen));
  const key = '"checksum":"';
  const i = header.indexOf(key);
  if (i < 0 || header.indexOf(key, i + 1) >= 0) return -1;
  // The header before the digits is ASCII up to here only if no multi-byte character precedes it, so
  // measure the prefix in bytes.
  return 8 + encoder.encode(header.slice(0, i + key.length)).length;
}

/** CRC-32 of the file with the checksum digits read as "00000000". */
function fileCrc(bytes: Uint8Array, at: number): number {
  let c = crc32(bytes.subarray(0, at));
  c = crc32(encoder.encode(PLACEHOLDER), c);
  return crc32(bytes.subarray(at + 8), c);
}

const hex = (n: number) => n.toString(16).padStart(8, '0');
