// A training checkpoint is ONE safetensors file: the tensors (model parameters and buffers, optimizer state)
// by name, and everything else (settings, step counts, generator and data-loader states, scheduler, history)
// as JSON strings in the file's `__metadata__`. It is written atomically (temporary file, fsync, rename), so
// a crash leaves the previous checkpoint or the new one, never a torn file.
import { readFile } from 'node:fs/promises';
import { loadSafetensors, saveSafetensors, SafetensorsError } from '@tensile/nn';
import { writeFileAtomic } from '@tensile/nn/node';
import type { Tensor } from '@tensile/tensor';

/** The value of the `format` metadata key of the examples' checkpoints. */
export const CHECKPOINT_FORMAT = 'tensile-examples-checkpoint/1';

/** A checkpoint that cannot be read or does not belong to this run; the message says which and why. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** What a checkpoint holds: named tensors and named JSON values. */
export interface Checkpoint {
  tensors: Map<string, Tensor>;
  meta: Record<string, unknown>;
}

/** Writes `ckpt` to `path` atomically: every `meta` value becomes a JSON string in `__metadata__`. */
export async function writeCheckpoint(path: string, ckpt: Checkpoint): Promise<void> {
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT };
  for (const [k, v] of Object.entries(ckpt.meta)) metadata[k] = JSON.stringify(v);
  await writeFileAtomic(path, saveSafetensors(ckpt.tensors, metadata));
}

/** Reads a checkpoint written by `writeCheckpoint`; anything else is a `CheckpointError` naming the file. */
export async function readCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(code === 'ENOENT' ? `${path}: no such checkpoint` : `${path}: cannot be read (${(e as Error).message})`);
  }
  let contents;
  try {
    contents = loadSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`${path} is not a valid safetensors file: ${e.message}`);
    throw e;
  }
  const metadata = contents.metadata ?? {};
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${path} is not a checkpoint of the Tensile examples (its metadata "format" is ${JSON.stringify(metadata.format ?? null)}, expected "${CHECKPOINT_FORMAT}")`,
    );
  }
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (k === 'format') continue;
    try {
      meta[k] = JSON.parse(v);
    } catch {
      throw new CheckpointError(`${path}: the metadata "${k}" is not valid JSON`);
    }
  }
  return { tensors: contents.tensors, meta };
}

/** The output folder a checkpoint's run wrote to, if the checkpoint says. */
export function outputFolderOf(ckpt: Checkpoint | null): string | null {
  return typeof ckpt?.meta.out === 'string' ? ckpt.meta.out : null;
}
