// Checkpoint files in Node: written atomically (nn's writeFileAtomic: a temporary file in the same folder,
// fsynced, renamed over the target, folder fsynced), so a crash or a SIGKILL at any moment leaves the
// previous checkpoint or the new one, never a torn file; read and checked in full (checksum included).
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@tensile/nn/node';
import { checkpoint, type Callback, type CheckpointOptions } from '../callbacks.js';
import { CheckpointError } from '../errors.js';
import { checkpointFromBytes, checkpointToBytes } from '../serialize.js';
import type { TrainingState } from '../state.js';

/**
 * Writes `state` to `path` as one safetensors file, atomically; creates the folder if needed.
 * @example await saveCheckpoint('runs/mnist/checkpoint.safetensors', captureState({ model, optimizer }));
 */
export async function saveCheckpoint(path: string, state: TrainingState): Promise<void> {
  const bytes = checkpointToBytes(state);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, bytes);
}

/**
 * Reads a checkpoint written by `saveCheckpoint` (or in a browser); a missing, foreign, corrupt or
 * newer file throws a CheckpointError naming the path. With `{ ifExists: true }` a missing file is null.
 * @example const resume = await loadCheckpoint(path, { ifExists: true }); await fit({ …, resume });
 */
export async function loadCheckpoint(path: string): Promise<TrainingState>;
export async function loadCheckpoint(path: string, opts: { ifExists: true }): Promise<TrainingState | null>;
export async function loadCheckpoint(path: string, opts: { ifExists?: boolean } = {}): Promise<TrainingState | null> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && opts.ifExists) return null;
    throw new CheckpointError('file', code === 'ENOENT' ? `${path}: no such checkpoint` : `${path}: cannot be read (${(e as Error).message})`, { cause: e });
  }
  return checkpointFromBytes(bytes, path);
}

/**
 * A `checkpoint` callback that writes `path` (atomically) every `everySteps` steps and at each epoch end.
 * @example callbacks: [fileCheckpoint('runs/mnist/checkpoint.safetensors', { everySteps: 100 })]
 */
export function fileCheckpoint(path: string, opts: Omit<CheckpointOptions, 'save'> = {}): Callback {
  if (typeof path !== 'string' || path === '') throw new TypeError('fileCheckpoint: path must be a non-empty string');
  return checkpoint({ ...opts, save: (state) => saveCheckpoint(path, state) });
}
