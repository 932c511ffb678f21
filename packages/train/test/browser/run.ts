// One small run, built the same way in Node (test/browser.test.ts) and in headless Chromium (page.ts), so a
// checkpoint written in one can be continued in the other and the two continuations compared bit for bit.
import { Dropout, Linear, ReLU, Sequential } from '@tensile/nn';
import { Adam } from '@tensile/optim';
import { DataLoader, TensorDataset } from '@tensile/data';
import { Generator, manualSeed, noGrad, randn, setBackend, type Tensor } from '@tensile/tensor';
import { captureState, checkpointToBytes, classificationStep, fit, type Callback, type TrainingParts, type TrainingState } from '../../src/index.js';

type Batch = [Tensor, Tensor];

export interface BrowserRun {
  parts: TrainingParts & { loaders: { train: DataLoader<Batch, Batch> } };
  augment: Generator;
  step: ReturnType<typeof classificationStep>;
}

/** The run: float32 on the wasm backend, dropout on the default generator, a noisy-input generator. */
export function makeBrowserRun(hidden = 16): BrowserRun {
  setBackend('wasm');
  manualSeed(7);
  const data = new Generator('browser/data');
  const x = randn([96, 10], { generator: data });
  const y = noGrad(() => x.matmul(randn([10, 4], { generator: data })).argmax(1)).to('int32');
  const init = new Generator('browser/init');
  const model = new Sequential(new Linear(10, hidden, { generator: init }), new ReLU(), new Dropout(0.25), new Linear(hidden, 4, { generator: init }));
  const augment = new Generator('browser/augment');
  const train = new DataLoader(new TensorDataset<Batch>(x, y), { batchSize: 12, shuffle: true, generator: new Generator('browser/shuffle') });
  return {
    parts: { model, optimizer: new Adam(model, { lr: 0.01 }), loaders: { train }, generators: { augment } },
    augment,
    step: classificationStep({ transform: (t) => t.add(randn(t.shape, { generator: augment }).mul(0.1)) }),
  };
}

/** Fits `run` up to `epochs` epochs (from `resume` if given) with `callbacks`; returns the final state's file bytes. */
export async function fitTo(run: BrowserRun, epochs: number, resume: TrainingState | null, callbacks: Callback[] = []): Promise<Uint8Array> {
  const { model, optimizer, loaders, generators } = run.parts;
  let end: TrainingState | null = null;
  await fit({
    model, optimizer: optimizer!, train: loaders.train, epochs, resume, step: run.step, generators,
    callbacks: [...callbacks, { onFitEnd: (ctx) => void (end = ctx.capture()) }],
  });
  return checkpointToBytes(end!);
}

/** Every model tensor's values by name (to compare two runs in one place). */
export function modelValues(run: BrowserRun): Record<string, number[]> {
  return Object.fromEntries([...captureState(run.parts).tensors].map(([k, t]) => [k, Array.from(t.toTypedArray() as ArrayLike<number>)]));
}
