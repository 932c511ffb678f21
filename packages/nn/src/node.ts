// Node-only checkpoint files (`@tensile/nn/node`). Writes are atomic: the bytes go to a temporary file in
// the same folder, which is fsynced, renamed over the target, and the folder is fsynced, so a crash leaves
// either the old checkpoint or the new one, never a torn file. A crash can leave the temporary file behind;
// the next save to the same path removes it (see `writeFileAtomic`).
import { randomBytes } from 'node:crypto';
import { open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Module, type AnyModule } from './module.js';
import { loadSafetensors, saveSafetensors, type SafetensorsContents } from './safetensors.js';
import type { StateDictInput } from './state-dict.js';

export { loadSafetensors, saveSafetensors, SafetensorsError, type SafetensorsContents } from './safetensors.js';

/** Temporary files this process is writing now: never stale, whatever their name says. */
const writing = new Set<string>();

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The pid in the name of a temporary file of a save to `target` (a base name), or null if `file` is not
 * one: `.<target>.tmp-<pid>-<12 hex>`, or `.<target>.<pid>.<12 hex>.tmp` as earlier versions named them.
 */
function tempPid(file: string, target: string): number | null {
  const t = escapeRegExp(target);
  const m = new RegExp(`^\\.${t}\\.tmp-(\\d+)-[0-9a-f]{12}$`).exec(file) ?? new RegExp(`^\\.${t}\\.(\\d+)\\.[0-9a-f]{12}\\.tmp$`).exec(file);
  return m === null ? null : Number(m[1]);
}

/** Whether process `pid` exists (EPERM: it does, under another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that saves to `path` left behind when their process died (killed, power
 * cut) before the rename: those whose writer process no longer exists, or that name this process but are
 * not being written by it (a previous process that had the same pid). Temporary files of live writers, of
 * other targets, and anything else in the folder are left alone. Best effort: a file that cannot be
 * listed or removed is skipped. Pids are this machine's: on a folder shared between machines, another
 * machine's live writer can lose its temporary file, and its save then fails at the rename (loudly).
 */
async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const target = basename(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = tempPid(name, target);
    const file = join(dir, name);
    if (pid === null || writing.has(file) || (pid !== process.pid && processExists(pid))) continue;
    await unlink(file).catch(() => undefined);
  }
}

/**
 * Writes `bytes` to `path` atomically: a temporary file `.<name>.tmp-<pid>-<random>` in the same folder,
 * fsync, rename over `path`, fsync of the folder. Before writing, it removes the temporary files that
 * earlier saves to `path` left when their process was killed mid-write, so crashes do not pile them up.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await removeStaleTemps(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  writing.add(tmp);
  try {
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
  } finally {
    writing.delete(tmp);
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
export async function save(
  path: string,
  modelOrStateDict: AnyModule | StateDictInput,
  metadata?: Readonly<Record<string, string>> | ReadonlyMap<string, string>,
): Promise<void> {
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
