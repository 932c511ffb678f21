// Node-only checkpoint files (`@tensile/nn/node`). Writes are atomic: the bytes go to a temporary file in
// the same folder, which is fsynced, renamed over the target, and the folder is fsynced, so a crash leaves
// either the old checkpoint or the new one, never a torn file.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Module } from './module.js';
import { loadSafetensors, saveSafetensors, type SafetensorsContents } from './safetensors.js';
import type { StateDictInput } from './state-dict.js';

export { loadSafetensors, saveSafetensors, SafetensorsError, type SafetensorsContents } from './safetensors.js';

/** Writes `bytes` to `path` atomically (temp file, fsync, rename, fsync of the folder). */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(tmp, 'wx');
  try {
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  // Make the rename itself durable. Some platforms (Windows) cannot open a folder; the rename stands.
  let folder;
  try {
    folder = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await folder.sync().catch(() => undefined);
  } finally {
    await folder.close();
  }
}

/**
 * Saves a model's state dict (or any name → tensor map) as a safetensors file, atomically.
 * @example await save('checkpoints/mnist.safetensors', model, { epoch: '3' });
 */
export async function save(path: string, modelOrStateDict: Module<never[], unknown> | StateDictInput, metadata?: Record<string, string>): Promise<void> {
  const sd = modelOrStateDict instanceof Module ? modelOrStateDict.stateDict() : modelOrStateDict;
  await writeFileAtomic(path, saveSafetensors(sd, metadata));
}

/**
 * Reads a safetensors file (validated in full, see `loadSafetensors`).
 * @example model.loadStateDict((await load('checkpoints/mnist.safetensors')).tensors);
 */
export async function load(path: string): Promise<SafetensorsContents> {
  return loadSafetensors(await readFile(path));
}
