// --export-onnx writes the trained model as ONNX: ONNX Runtime (onnxruntime-node, its bundled CPU library)
// gives the saved model's logits within 1e-5 (float32) at a batch size, and for the LSTM and the transformer a
// length, other than the ones it was traced with (2 rows of 3 ids).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '@tensile/nn';
import { UsageError } from '@tensile/examples-common';
import { Generator, randint, type Tensor } from '@tensile/tensor';
import { buildModel, type ModelName } from '../src/models.js';
import { runCharLm } from '../src/run.js';

const WORDS = fileURLToPath(new URL('./fixtures/words.txt', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tensile-char-lm-onnx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = { write: () => true, isTTY: false };

const SETTINGS = { blockSize: 3, embedding: 8, hidden: 16, layers: 2, heads: 2, dropout: 0.1, dtype: 'float32' as const };
const flags = ['--embedding', '8', '--hidden', '16', '--layers', '2', '--heads', '2', '--dropout', '0.1', '--block-size', '3', '--epochs', '1', '--samples', '0'];

describe('char-lm --export-onnx', () => {
  const cases: [ModelName, (length: number) => number[], RegExp][] = [
    ['mlp', () => [5, 3], /input "input" int32 ids \[batch, 3\]; output "output" logits \[batch, V\]/],
    ['lstm', () => [5, 9], /input "input" int32 ids \[batch, length\]; output "output" logits \[batch, length, V\]/],
    ['transformer', (length) => [3, length - 1], /input "input" int32 ids \[batch, length ≤ \d+\]; output "output" logits \[batch, length, V\]/],
  ];
  for (const [model, shape, line] of cases) {
    it(`${model}: ONNX Runtime gives the trained model's logits`, async () => {
      const out = join(root, model);
      const file = join(root, `${model}.onnx`);
      const lines: string[] = [];
      const stream = { write: (s: string) => (lines.push(s), true), isTTY: false };
      await runCharLm(['--words', WORDS, '--out', out, '--model', model, ...flags, '--export-onnx', file], { stream });
      expect(lines.join('')).toMatch(line);
      const { tensors } = loadSafetensors(readFileSync(join(out, 'model.safetensors')));
      const vocabSize = tensors.get('embed.weight')!.shape[0]!;
      const length = tensors.get('position.weight')?.shape[0] ?? 0;
      const m = buildModel({ model, ...SETTINGS }, { vocabSize, length, init: new Generator(0) });
      m.loadStateDict(tensors, { strict: true });
      m.eval();
      const ids = randint(0, vocabSize, shape(length), { generator: new Generator(5) });
      const want = m.forward(ids) as Tensor;
      const session = await ort.InferenceSession.create(readFileSync(file));
      const got = (await session.run({ input: new ort.Tensor('int32', ids.toTypedArray() as Int32Array, [...ids.shape]) })).output!;
      expect(got.dims).toEqual(want.shape);
      const w = want.toTypedArray() as Float32Array;
      const g = got.data as Float32Array;
      const worst = Math.max(...Array.from(w, (v, i) => Math.abs(g[i]! - v) / Math.max(1, Math.abs(v))));
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
  }

  it('refuses a file name that is not .onnx before training', async () => {
    await expect(runCharLm(['--words', WORDS, '--export-onnx', join(root, 'model.bin'), '--out', join(root, 'x')], { stream: quiet })).rejects.toThrow(UsageError);
  });
});
