// --export-onnx writes the trained MLP as ONNX; ONNX Runtime gives the saved model's outputs (1e-5) on
// prepared test images, at a batch size other than the one it was traced with.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '@tensile/nn';
import { PIXEL_STATS, UsageError, loadImages, runClassifier } from '@tensile/examples-common';
import { transforms } from '@tensile/data';
import { mlpExample } from '../src/example.js';
import { MLP } from '../src/model.js';

const root = mkdtempSync(join(tmpdir(), 'tensile-mlp-onnx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = { write: () => true, isTTY: false };

describe('mnist-mlp --export-onnx', () => {
  it('writes a file ONNX Runtime runs with the trained model’s outputs', async () => {
    const out = join(root, 'run');
    const file = join(root, 'mlp.onnx');
    const lines: string[] = [];
    const stream = { write: (s: string) => (lines.push(s), true), isTTY: false };
    await runClassifier(mlpExample, ['--train-size', '64', '--test-size', '20', '--epochs', '1', '--out', out, '--export-onnx', file], { stream });
    expect(lines.join('')).toMatch(/ONNX model in .*mlp\.onnx \(input "input" \[batch, 784\], normalised; output "output" logits \[batch, 10\]\)/);
    const model = new MLP({ dropout: 0.2 }); // the default (tuned) recipe's
    model.loadStateDict(loadSafetensors(readFileSync(join(out, 'model.safetensors'))).tensors);
    model.eval();
    const data = await loadImages('mnist', { trainSize: 1, testSize: 5, dtype: 'float32' });
    const x = transforms.compose(transforms.normalize(PIXEL_STATS.mnist.mean, PIXEL_STATS.mnist.std), transforms.flatten())(data.test.tensors[0]);
    const want = model.forward(x).toTypedArray() as Float32Array;
    const session = await ort.InferenceSession.create(readFileSync(file));
    const got = (await session.run({ input: new ort.Tensor('float32', x.toTypedArray() as Float32Array, [...x.shape]) })).output!;
    expect(got.dims).toEqual([5, 10]);
    const data32 = got.data as Float32Array;
    const worst = Math.max(...Array.from(want, (w, i) => Math.abs(data32[i]! - w) / Math.max(1, Math.abs(w))));
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('refuses a file name that is not .onnx before training', async () => {
    await expect(runClassifier(mlpExample, ['--export-onnx', join(root, 'model.bin'), '--out', join(root, 'x')], { stream: quiet })).rejects.toThrow(UsageError);
  });
});
