// The CNN example, small: a few hundred digits for one epoch. It must learn (the loss falls, the accuracy beats
// chance by far) with batch norm, dropout and shifts, and refuse a checkpoint of a different model.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSafetensors } from '@tensile/nn';
import { runClassifier } from '@tensile/examples-common';
import { CheckpointError, type MetricsRecord } from '@tensile/train';
import { readMetrics } from '@tensile/train/node';
import { randn } from '@tensile/tensor';
import { mlpExample } from '../../mnist-mlp/src/example.js';
import { cnnExample } from '../src/example.js';
import { CNN } from '../src/model.js';

const root = mkdtempSync(join(tmpdir(), 'tensile-cnn-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const quiet = { write: () => true, isTTY: false };

type Step = Extract<MetricsRecord, { type: 'step' }>;
type Epoch = Extract<MetricsRecord, { type: 'epoch' }>;

describe('CNN', () => {
  it('maps [N, 1, 28, 28] to [N, 10]; batch norm replaces the convolutions\' biases', () => {
    expect(new CNN().forward(randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
    const names = new CNN({ batchNorm: true }).namedParameters().map(([n]) => n);
    expect(names).toEqual(['conv1.weight', 'bn1.weight', 'bn1.bias', 'conv2.weight', 'bn2.weight', 'bn2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(new CNN().numParameters()).toBe(215_370);
  });
});

describe('mnist-cnn, small', () => {
  const args = ['--train-size', '512', '--test-size', '400', '--epochs', '1', '--batch-size', '16', '--schedule', 'constant'];

  it('learns in one epoch with batch norm, dropout and shifts: the loss falls, the accuracy beats chance (10%) by far', async () => {
    const out = join(root, 'tuned');
    await runClassifier(cnnExample, [...args, '--out', out, '--checkpoint', join(root, 'cnn.safetensors')], { stream: quiet });
    const records = readMetrics(join(out, 'metrics.jsonl'));
    const steps = records.filter((r): r is Step => r.type === 'step');
    expect(steps).toHaveLength(32);
    const first = steps.slice(0, 4).reduce((a, r) => a + r.metrics.loss!, 0) / 4;
    const last = steps.slice(-4).reduce((a, r) => a + r.metrics.loss!, 0) / 4;
    expect(last).toBeLessThan(first - 0.3);
    expect(records.find((r): r is Epoch => r.type === 'epoch')!.val!.accuracy).toBeGreaterThan(0.35);
    // The checkpoint holds the batch-norm buffers and Adam's state per parameter name.
    const names = [...loadSafetensors(readFileSync(join(root, 'cnn.safetensors'))).tensors.keys()];
    expect(names).toEqual(expect.arrayContaining(['model.bn1.running_mean', 'model.bn2.num_batches_tracked', 'optimizer.conv1.weight.mean', 'optimizer.fc2.bias.var']));
  });

  it('the pytorch recipe (plain CNN) learns too', async () => {
    const out = join(root, 'pytorch');
    await runClassifier(cnnExample, ['--recipe', 'pytorch', ...args, '--out', out], { stream: quiet });
    const epoch = readMetrics(join(out, 'metrics.jsonl')).find((r): r is Epoch => r.type === 'epoch')!;
    expect(epoch.val!.accuracy).toBeGreaterThan(0.5);
  });

  it('refuses to resume a checkpoint of the MLP, listing the names and shapes that do not fit', async () => {
    const mlpCkpt = join(root, 'mlp.safetensors');
    await runClassifier(mlpExample, ['--train-size', '64', '--test-size', '64', '--epochs', '1', '--out', join(root, 'mlp'), '--checkpoint', mlpCkpt], { stream: quiet });
    const err = await runClassifier(cnnExample, ['--resume', mlpCkpt, '--out', join(root, 'refused')], { stream: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    const message = (err as Error).message;
    expect(message).toMatch(/mlp\.safetensors was written by "mnist-mlp", not mnist-cnn: loadStateDict\(CNN\): missing "conv1\.weight", /);
    expect(message).toContain('"fc1.weight" is [128, 784] in the checkpoint but [128, 1568] in the model');
    expect(message).toMatch(/Nothing was loaded\.$/);
  });
});
