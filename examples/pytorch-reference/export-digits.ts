// Writes the digits split that `mnist()` gives (8,000 train / 2,000 held out) as raw little-endian arrays,
// so train.py trains PyTorch on exactly the images the examples use.
// Run from examples/mnist-mlp: npx tsx ../pytorch-reference/export-digits.ts <dir>
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mnist } from '@tensile/data/node';

const dir = process.argv[2] ?? '/tmp/tensile-digits';
mkdirSync(dir, { recursive: true });
const { train, test } = await mnist();
for (const [name, ds] of [['train', train], ['test', test]] as const) {
  const [x, y] = ds.tensors;
  const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, `${name}-images.f32`), bytes(x.toTypedArray() as Float32Array));
  writeFileSync(join(dir, `${name}-labels.i32`), bytes(y.toTypedArray() as Int32Array));
  console.log(`${name}: ${ds.length} images → ${dir}`);
}
