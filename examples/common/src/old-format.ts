// Checkpoints the examples wrote before they trained with @tensile/train: they cannot be resumed, and
// `--resume` on one says so in one line instead of the generic "not a training checkpoint".
import { readFile } from 'node:fs/promises';
import { loadSafetensors } from '@tensile/nn';
import { CheckpointError } from '@tensile/train';

/** The format name of the examples' checkpoints before @tensile/train (`__metadata__.format`). */
export const OLD_EXAMPLES_FORMAT = 'tensile-examples-checkpoint/1';

/** The `format` in a safetensors file's metadata, or undefined when it has none or is not safetensors. */
export async function safetensorsFormat(path: string): Promise<string | undefined> {
  try {
    return loadSafetensors(await readFile(path)).metadata?.format;
  } catch {
    return undefined;
  }
}

/** The one-line refusal of an old examples checkpoint at `path`. */
export function oldCheckpointError(path: string, cause?: unknown): CheckpointError {
  return new CheckpointError(
    'format',
    `${path} is a checkpoint of an older version of the examples (format "${OLD_EXAMPLES_FORMAT}"), which this version cannot resume; start a new run (leave --resume out)`,
    cause === undefined ? undefined : { cause },
  );
}
