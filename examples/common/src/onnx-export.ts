// `--export-onnx <file>`, as every example that trains a model offers it: the flag, the check of its path
// before any work, and the atomic write of the exported bytes (@tensile/onnx) after training.
import type { AnyModule } from '@tensile/nn';
import { writeFileAtomic } from '@tensile/nn/node';
import { exportOnnx, type ExampleInput, type ExportOnnxOptions } from '@tensile/onnx';

export type { ExportOnnxOptions };
import { UsageError, path, type Flag } from './args.js';
import { userPath } from './paths.js';

/** The `--export-onnx <file>` flag; `inputs` says what the file takes. */
export function exportOnnxFlag(inputs: string): Flag<string> {
  return path(`also write the trained model as ONNX (opset 17) to this .onnx file; ${inputs}`, { value: '<file>' });
}

/** The flag's file resolved against the caller's folder, or null without the flag; a name not ending in .onnx is a UsageError. */
export function onnxPath(value: string | undefined): string | null {
  if (value === undefined) return null;
  const file = userPath(value);
  if (!file.endsWith('.onnx')) throw new UsageError(`--export-onnx must name a .onnx file, got ${JSON.stringify(value)}`);
  return file;
}

/** Exports `model` traced on `example` (eval mode; see exportOnnx) and writes the file atomically. */
export async function writeOnnx(file: string, model: AnyModule, example: ExampleInput, options?: ExportOnnxOptions): Promise<void> {
  await writeFileAtomic(file, exportOnnx(model, example, options));
}
