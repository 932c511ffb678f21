// The training process that test/kill.test.ts kills with SIGKILL: a small float32 MLP with every kind of
// state (batch norm's buffers, dropout on the default generator and on its own, an augmentation
// generator, a shuffling loader, Adam whose scheduler watches the validation loss, early stopping), fit
// with a checkpoint after every step and metrics.jsonl. It resumes from the checkpoint when there is one.
// It prints "step N" after each step (just before that step's checkpoint is written) and, at the end,
// writes the final state to final.safetensors and prints "done".
//   node child.mjs <dir>
import { join } from 'node:path';
import { BatchNorm1d, Dropout, Linear, ReLU, Sequential } from '@tensile/nn';
import { Adam, ReduceLROnPlateau } from '@tensile/optim';
import { DataLoader, TensorDataset } from '@tensile/data';
import { Generator, manualSeed, noGrad, randn, type Tensor } from '@tensile/tensor';
import { MetricScheduler, classificationStep, earlyStopping, fit, type Callback } from '../../src/index.js';
import { fileCheckpoint, loadCheckpoint, saveCheckpoint } from '../../src/node/checkpoint-file.js';
import { JsonlHistory } from '../../src/node/jsonl-history.js';

type Batch = [Tensor, Tensor];

async function main(dir: string): Promise<void> {
  manualSeed(1);
  const data = new Generator('kill/data');
  const features = 64;
  const rule = randn([features, 10], { generator: data });
  const make = (n: number) => {
    const x = randn([n, features], { generator: data });
    const y = noGrad(() => x.matmul(rule).add(randn([n, 10], { generator: data })).argmax(1)).to('int32');
    return new TensorDataset<Batch>(x, y);
  };
  const train = new DataLoader(make(512), { batchSize: 16, shuffle: true, generator: new Generator('kill/shuffle') });
  const validation = new DataLoader(make(96), { batchSize: 32 });
  const init = new Generator('kill/init');
  const model = new Sequential(
    new Linear(features, 256, { generator: init }), new BatchNorm1d(256), new ReLU(), new Dropout(0.2),
    new Linear(256, 128, { generator: init }), new ReLU(), new Dropout(0.1, { generator: new Generator('kill/dropout') }),
    new Linear(128, 10, { generator: init }),
  );
  const scheduler = new MetricScheduler(new ReduceLROnPlateau({ lr: 3e-3, patience: 0, factor: 0.5, threshold: 0.05 }), { monitor: 'val.loss' });
  const optimizer = new Adam(model, { lr: 3e-3, scheduler });
  const augment = new Generator('kill/augment');
  const transform = (x: Tensor) => x.add(randn(x.shape, { generator: augment }).mul(0.1));

  const ckpt = join(dir, 'checkpoint.safetensors');
  const resume = await loadCheckpoint(ckpt, { ifExists: true });
  process.stdout.write(resume ? `resume ${resume.step}\n` : 'fresh\n');
  const say: Callback = { onStepEnd: (ctx) => void process.stdout.write(`step ${ctx.step}\n`) };
  const final: Callback = { onFitEnd: (ctx) => saveCheckpoint(join(dir, 'final.safetensors'), ctx.capture()) };
  await fit({
    model, optimizer, train, validation, epochs: 3, resume,
    step: classificationStep({ transform }),
    generators: { augment },
    history: new JsonlHistory(join(dir, 'metrics.jsonl')),
    callbacks: [say, earlyStopping({ patience: 5 }), fileCheckpoint(ckpt, { everySteps: 1 }), final],
  });
  process.stdout.write('done\n');
}

main(process.argv[2]!).catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
