import { describe, expect, it } from 'vitest';
import { Dropout, Linear, Sequential } from '@tensile/nn';
import { DataLoader, TensorDataset } from '@tensile/data';
import { Generator, getDefaultGenerator, manualSeed, randn } from '@tensile/tensor';
import { runGenerators } from './generators.js';
import { CheckpointError } from './errors.js';

const names = (r: ReturnType<typeof runGenerators>) => r.map((g) => [g.name, g.sameAs]);

describe('runGenerators', () => {
  it('finds the default generator, the listed ones and every Generator field of the model, in that order', () => {
    manualSeed(1);
    const own = new Generator(7);
    const augment = new Generator(8);
    const model = new Sequential(new Linear(2, 2), new Dropout(0.5), new Sequential(new Dropout(0.5, { generator: own })));
    const found = runGenerators({ model, generators: { augment } });
    expect(names(found)).toEqual([['default', null], ['augment', null], ['model.2.0.generator', null]]);
    expect(found[0]!.generator).toBe(getDefaultGenerator());
    expect(found[2]!.generator).toBe(own);
  });

  it('names a generator reachable twice once, and records the sharing', () => {
    const g = new Generator(3);
    const model = new Sequential(new Dropout(0.5, { generator: g }), new Dropout(0.5, { generator: g }), new Dropout(0.5, { generator: getDefaultGenerator() }));
    expect(names(runGenerators({ model, generators: { dropout: g } }))).toEqual([
      ['default', null], ['dropout', null], ['model.0.generator', 'dropout'], ['model.1.generator', 'dropout'], ['model.2.generator', 'default'],
    ]);
  });

  it('refuses a loader that shares its generator, reserved names and non-generators', () => {
    const g = new Generator(3);
    const ds = new TensorDataset(randn([4, 1]));
    const model = new Sequential(new Dropout(0.5, { generator: g }));
    const shared = new DataLoader(ds, { shuffle: true, generator: g });
    expect(() => runGenerators({ model, loaders: { train: shared } })).toThrow(
      /^the data loader "train" shuffles with the same generator as "model\.0\.generator"; give the loader a generator of its own/,
    );
    const a = new DataLoader(ds, { shuffle: true, generator: new Generator(1) });
    const b = new DataLoader(ds, { shuffle: true, generator: a.generator! });
    expect(() => runGenerators({ loaders: { a, b } })).toThrow(/the data loader "b" shuffles with the same generator as the data loader "a"/);
    expect(() => runGenerators({ loaders: { d: new DataLoader(ds, { shuffle: true, generator: getDefaultGenerator() }) } })).toThrow(/same generator as "default"/);
    expect(() => runGenerators({ generators: { default: g } })).toThrow(/"default" is reserved/);
    expect(() => runGenerators({ generators: { 'model.x': g } })).toThrow(/"model\.x" is reserved/);
    const err = (() => {
      try {
        runGenerators({ generators: { seed: 3 as unknown as Generator } });
      } catch (e) {
        return e as CheckpointError;
      }
    })();
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err!.part).toBe('generators');
    expect(err!.message).toBe('generators.seed must be a Generator from @tensile/tensor, got number');
    // A loader without shuffling has no generator, and two such loaders are fine.
    expect(names(runGenerators({ loaders: { a: new DataLoader(ds), b: new DataLoader(ds) } }))).toEqual([['default', null]]);
  });
});
