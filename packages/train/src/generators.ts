// Which random generators a run draws from, found without the user listing the internal ones:
//   "default"          the default generator (`manualSeed`; dropout and init without a `generator` use it),
//   the user's         `generators: { augment }` for those only a closure holds (a transform's),
//   "model.<path>"     every Generator-valued field of every module of the model (Dropout's `generator`),
// and each data loader's, which is saved inside the loader's own state. A generator reachable under two
// names is saved once; the others record `{ sameAs: name }`, so a restore can check the sharing is the
// same. A loader must have a generator of its own: its state holds the generator as it was when the
// epoch's order was drawn, which would rewind anyone else drawing from it.
import { Module, type AnyModule } from '@tensile/nn';
import { Generator, getDefaultGenerator } from '@tensile/tensor';
import type { DataLoader } from '@tensile/data';
import { CheckpointError } from './errors.js';

/** One generator of a run: its name, and the earlier name it is the same object as (or null). */
export interface RunGenerator {
  readonly name: string;
  readonly generator: Generator;
  readonly sameAs: string | null;
}

/** Where to look for generators. */
export interface GeneratorSources {
  model?: AnyModule;
  loaders?: Readonly<Record<string, DataLoader<any, any>>>;
  generators?: Readonly<Record<string, Generator>>;
}

/**
 * The generators of a run, in a fixed order: "default", the user's in their order, then the model's in
 * module order (`model.0.generator`). Throws a CheckpointError (part "generators") for a user name that
 * is reserved or not a Generator, and for a loader that shares its generator with anything else.
 * @example
 * runGenerators({ model, loaders: { train }, generators: { augment } }).map((g) => g.name)
 * // ['default', 'augment', 'model.3.generator']
 */
export function runGenerators(sources: GeneratorSources): RunGenerator[] {
  const out: RunGenerator[] = [];
  const firstName = new Map<Generator, string>();
  const add = (name: string, g: Generator): void => {
    out.push({ name, generator: g, sameAs: firstName.get(g) ?? null });
    if (!firstName.has(g)) firstName.set(g, name);
  };
  add('default', getDefaultGenerator());
  for (const [name, g] of Object.entries(sources.generators ?? {})) {
    if (!(g instanceof Generator)) throw new CheckpointError('generators', `generators.${name} must be a Generator from @tensile/tensor, got ${describe(g)}`);
    if (name === '' || name === 'default' || name.startsWith('model.')) {
      throw new CheckpointError('generators', `the generator name ${JSON.stringify(name)} is reserved ("default" and "model.…" are found by themselves); pick another`);
    }
    add(name, g);
  }
  if (sources.model instanceof Module) {
    for (const [path, m] of sources.model.namedModules()) {
      for (const [field, v] of Object.entries(m)) if (v instanceof Generator) add(`model.${path === '' ? field : `${path}.${field}`}`, v);
    }
  }
  const loaderOf = new Map<Generator, string>();
  for (const [name, loader] of Object.entries(sources.loaders ?? {})) {
    const g = loader.generator;
    if (g === null) continue;
    const other = firstName.get(g) ?? (loaderOf.has(g) ? `the data loader "${loaderOf.get(g)}"` : undefined);
    if (other !== undefined) {
      throw new CheckpointError(
        'generators',
        `the data loader "${name}" shuffles with the same generator as ${other.startsWith('the data loader') ? other : `"${other}"`}; ` +
          'give the loader a generator of its own (new DataLoader(ds, { shuffle: true, generator: new Generator(seed) })), or its position cannot be restored',
      );
    }
    loaderOf.set(g, name);
  }
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return typeof v;
}
