// Run by the browser test in a child Node process (with the same kernel build as Chromium): trains the run
// `pnpm mnist` builds for the given flags, as the example does (JsonlHistory in an output folder, so its
// checkpoints carry no records), and writes its checkpoint after step `stopAt`, then exits.
// Usage: node --import tsx test/node-fit.ts <settings.json> <checkpoint.safetensors> <stopAt> [mlp|cnn]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildClassifierRun, loadImages, resolveConfig } from '@tensile/examples-common';
import { mlpExample } from '@tensile/example-mnist-mlp/example';
import { cnnExample } from '@tensile/example-mnist-cnn/example';
import { fit } from '@tensile/train';
import { JsonlHistory, saveCheckpoint } from '@tensile/train/node';

const [settingsPath, out, stopAt, model = 'mlp'] = process.argv.slice(2) as [string, string, string, string?];
const example = model === 'cnn' ? cnnExample : mlpExample;
const config = resolveConfig(example, JSON.parse(readFileSync(settingsPath, 'utf8')) as Parameters<typeof resolveConfig>[1]);
const data = await loadImages(config.dataset, { trainSize: null, testSize: null, dtype: config.dtype });
const run = buildClassifierRun(example, config, data);
await fit({
  model: run.model, optimizer: run.optimizer, train: run.train, validation: run.validation, epochs: config.epochs, step: run.step,
  history: new JsonlHistory(join(dirname(out), 'metrics.jsonl')), generators: run.generators, extra: { ...run.extra, out: dirname(out) },
  callbacks: [{
    async onStepEnd(ctx) {
      if (ctx.step !== Number(stopAt)) return;
      await saveCheckpoint(out, ctx.capture());
      process.exit(0);
    },
  }],
});
throw new Error(`the run ended before step ${stopAt}`);
