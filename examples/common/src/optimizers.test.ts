import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Linear } from '@tensile/nn';
import { AdaGrad, Adam, AdamW, RMSProp, SGD } from '@tensile/optim';
import { Generator } from '@tensile/tensor';
import { OPTIMIZER_NAMES, makeOptimizer } from './optimizers.js';

describe('makeOptimizer', () => {
  it('builds each named optimizer with its settings, no casts needed', () => {
    const model = new Linear(3, 2, { generator: new Generator(0) });
    const classes = { sgd: SGD, momentum: SGD, adagrad: AdaGrad, rmsprop: RMSProp, adam: Adam, adamw: AdamW };
    for (const name of OPTIMIZER_NAMES) {
      const opt = makeOptimizer(name, model, { lr: 0.05 });
      expect(opt.constructor, name).toBe(classes[name]);
      expect(opt.defaults.lr).toBe(0.05);
    }
    expect((makeOptimizer('momentum', model, { lr: 0.1 }) as SGD).defaults.momentum).toBe(0.9);
    expect((makeOptimizer('sgd', model, { lr: 0.1 }) as SGD).defaults.momentum).toBe(0);
    expect((makeOptimizer('adam', model, { lr: 0.1, weightDecay: 0.01 }) as Adam).defaults.weightDecay).toBe(0.01);
  });

  it('examples source builds optimizers without casting through never', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const here = fileURLToPath(new URL('../..', import.meta.url));
    const sources = ['common', 'mnist-mlp', 'mnist-cnn', 'optimizer-comparison'].flatMap((d) =>
      readdirSync(join(here, d, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(d, 'src', f)),
    );
    expect(sources.length).toBeGreaterThan(18);
    for (const f of sources) expect(readFileSync(join(here, f), 'utf8'), f).not.toMatch(/\bas never\b/);
  });
});
