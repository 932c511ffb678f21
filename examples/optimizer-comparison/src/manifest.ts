// The comparison's checkpoint. The optimizers train one after another, each with @tensile/train's fit and
// its own training checkpoint; the file `--checkpoint` names is a small manifest beside them that says
// which settings the comparison has, where it writes, and how far each optimizer got:
//
//   c.safetensors           the manifest: no tensors, its __metadata__ holds format, version, comparison (JSON)
//   c.sgd.safetensors       SGD's training checkpoint (format tensile-training-checkpoint)
//   c.adam.safetensors      Adam's, …
//
// `--resume c.safetensors` skips the optimizers that finished and continues the others from their own
// checkpoints, exactly. Every file is written atomically (a temporary file, fsync, rename).
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SafetensorsError, loadSafetensors, saveSafetensors } from '@tensile/nn';
import { writeFileAtomic } from '@tensile/nn/node';
import { CHECKPOINT_FORMAT, CheckpointError } from '@tensile/train';
import { OLD_EXAMPLES_FORMAT, oldCheckpointError, type DatasetName, type OptimizerName, type ScheduleName } from '@tensile/examples-common';

/** The `format` of the manifest's metadata. */
export const COMPARISON_FORMAT = 'tensile-optimizer-comparison';
/** The manifest's version; a reader refuses a newer one. */
export const COMPARISON_VERSION = 1;

/** Every setting of a comparison; saved in its checkpoints and locked when it is resumed (epochs may grow). */
export interface CompareConfig {
  optimizers: OptimizerName[];
  /** One learning rate for all, or null for each optimizer's usual one (DEFAULT_LR). */
  lr: number | null;
  /** Every optimizer's learning-rate schedule, peaking at its lr, laid out over `epochs`. */
  schedule: ScheduleName;
  epochs: number;
  batchSize: number;
  seed: number;
  dtype: 'float32' | 'float64';
  dataset: DatasetName;
  trainSize: number | null;
  testSize: number | null;
  rosenbrockSteps: number;
  backend: string;
}

/** How far one optimizer's run got, as of the manifest's last write. */
export interface RunEntry {
  /** Its training checkpoint's file name, in the manifest's folder. */
  file: string;
  /** True once its fit returned and its model was saved. */
  finished: boolean;
  /** Epochs and optimizer steps done when `finished` was set (0 before). */
  epochs: number;
  step: number;
}

/** What the manifest holds. */
export interface Manifest {
  config: CompareConfig;
  /** The output folder (metrics.jsonl, plots, models). */
  out: string;
  /** One entry per optimizer of `config.optimizers`. */
  runs: Record<string, RunEntry>;
}

/** `c.safetensors` → `c.adam.safetensors`: the training checkpoint of one optimizer, beside the manifest. */
export function runFile(manifestPath: string, name: OptimizerName): string {
  return join(dirname(manifestPath), `${basename(manifestPath).replace(/\.safetensors$/, '')}.${name}.safetensors`);
}

/** Writes the manifest atomically. */
export async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  const metadata = { format: COMPARISON_FORMAT, version: String(COMPARISON_VERSION), comparison: JSON.stringify(manifest) };
  await writeFileAtomic(path, saveSafetensors(new Map(), metadata));
}

/**
 * Reads a manifest. A missing or unreadable file, an old examples checkpoint, one optimizer's training
 * checkpoint, any other file, a newer version or a malformed manifest is a CheckpointError naming the file.
 */
export async function readManifest(path: string): Promise<Manifest> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError('file', code === 'ENOENT' ? `${path}: no such checkpoint` : `${path}: cannot be read (${(e as Error).message})`, { cause: e });
  }
  let metadata: Record<string, string>;
  try {
    metadata = loadSafetensors(bytes).metadata ?? {};
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError('file', `${path} is not a valid safetensors file: ${e.message}`, { cause: e });
    throw e;
  }
  const format = metadata.format;
  if (format === OLD_EXAMPLES_FORMAT) throw oldCheckpointError(path);
  if (format === CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      'format',
      `${path} is the training checkpoint of one run, not a comparison's checkpoint; pass --resume the file that was given to --checkpoint (the one without the optimizer's name)`,
    );
  }
  if (format !== COMPARISON_FORMAT) {
    throw new CheckpointError('format', `${path} is not a checkpoint of the optimizer comparison (its metadata "format" is ${JSON.stringify(format ?? null)}, expected "${COMPARISON_FORMAT}")`);
  }
  const version = Number(metadata.version);
  if (!Number.isInteger(version) || version < 1) throw new CheckpointError('format', `${path}: the comparison checkpoint's version ${JSON.stringify(metadata.version)} is not a version number`);
  if (version > COMPARISON_VERSION) {
    throw new CheckpointError('format', `${path} is a comparison checkpoint of version ${version}; this version of the comparison reads version ${COMPARISON_VERSION} (update Tensile to resume it)`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(metadata.comparison ?? '') as Manifest;
  } catch {
    throw new CheckpointError('format', `${path}: the metadata "comparison" is not valid JSON`);
  }
  const problem = manifestProblem(manifest);
  if (problem) throw new CheckpointError('format', `${path}: the comparison checkpoint is malformed: ${problem}`);
  return manifest;
}

/** What is wrong with a parsed manifest, or null. */
function manifestProblem(m: Manifest): string | null {
  if (m === null || typeof m !== 'object') return 'it is not an object';
  const c = m.config;
  if (c === null || typeof c !== 'object' || !Array.isArray(c.optimizers) || c.optimizers.length === 0) return 'config.optimizers is not a list of optimizers';
  if (!Number.isInteger(c.epochs) || c.epochs < 1) return `config.epochs is ${JSON.stringify(c.epochs)}`;
  if (typeof m.out !== 'string' || m.out === '') return 'out is not a folder';
  for (const name of c.optimizers) {
    const r = m.runs?.[name];
    if (r === null || typeof r !== 'object' || typeof r.file !== 'string' || r.file.includes('/') || typeof r.finished !== 'boolean') return `runs.${name} is missing or malformed`;
  }
  return null;
}
