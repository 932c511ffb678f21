import type { Tensor } from '@tensile/tensor';
import { Module, type AnyModule } from '../module.js';

function checkModule(owner: string, m: unknown, where: string): AnyModule {
  if (!(m instanceof Module)) {
    throw new TypeError(`${owner}: ${where} is ${m === null ? 'null' : typeof m === 'object' ? `a ${(m as object).constructor?.name ?? 'object'}` : `a ${typeof m}`}, not a Module`);
  }
  return m as AnyModule;
}

function checkIndex(owner: string, i: number, length: number): number {
  if (!Number.isInteger(i) || i < -length || i >= length) throw new RangeError(`${owner}: index ${i} is out of range for ${length} modules`);
  return i < 0 ? i + length : i;
}

/**
 * Applies its modules in order; their parameters are named `"0.weight"`, `"1.bias"`, ….
 * @example
 * const model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
 * model.forward(x); // [N, 10]
 */
export class Sequential extends Module {
  readonly #layers: Module<[Tensor], Tensor>[];

  constructor(...layers: Module<[Tensor], Tensor>[]) {
    super();
    layers.forEach((m, i) => checkModule('Sequential', m, `argument ${i}`));
    this.#layers = [...layers];
  }

  protected override members(): Iterable<[string, unknown]> {
    return this.#layers.map((m, i) => [String(i), m] as [string, unknown]);
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.#layers) y = layer.forward(y);
    return y;
  }

  get length(): number {
    return this.#layers.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): Module<[Tensor], Tensor> {
    return this.#layers[checkIndex('Sequential', index, this.#layers.length)]!;
  }

  append(layer: Module<[Tensor], Tensor>): this {
    this.#layers.push(checkModule('Sequential.append', layer, 'the argument') as Module<[Tensor], Tensor>);
    return this;
  }

  [Symbol.iterator](): Iterator<Module<[Tensor], Tensor>> {
    return this.#layers[Symbol.iterator]();
  }
}

/**
 * A list of modules whose parameters are named by position (`"2.weight"`); it has no forward of its own.
 * @example this.blocks = new ModuleList(Array.from({ length: 4 }, () => new Linear(64, 64)));
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never[], never> {
  readonly #modules: M[];

  constructor(modules: Iterable<M> = []) {
    super();
    this.#modules = [...modules];
    this.#modules.forEach((m, i) => checkModule('ModuleList', m, `element ${i}`));
  }

  protected override members(): Iterable<[string, unknown]> {
    return this.#modules.map((m, i) => [String(i), m] as [string, unknown]);
  }

  forward(): never {
    throw new TypeError('ModuleList has no forward; iterate over it and call each module');
  }

  get length(): number {
    return this.#modules.length;
  }

  at(index: number): M {
    return this.#modules[checkIndex('ModuleList', index, this.#modules.length)]!;
  }

  append(m: M): this {
    this.#modules.push(checkModule('ModuleList.append', m, 'the argument') as M);
    return this;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#modules[Symbol.iterator]();
  }
}

/**
 * Modules by name, in insertion order; parameters are named `"<key>.weight"`. It has no forward of its own.
 * @example this.heads = new ModuleDict({ cls: new Linear(64, 10), box: new Linear(64, 4) });
 */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<never[], never> {
  readonly #modules = new Map<string, M>();

  constructor(modules: Iterable<[string, M]> | Record<string, M> = {}) {
    super();
    const entries = Symbol.iterator in Object(modules) ? [...(modules as Iterable<[string, M]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }

  protected override members(): Iterable<[string, unknown]> {
    return [...this.#modules];
  }

  forward(): never {
    throw new TypeError('ModuleDict has no forward; look modules up with get(key)');
  }

  get(key: string): M | undefined {
    return this.#modules.get(key);
  }

  has(key: string): boolean {
    return this.#modules.has(key);
  }

  /** Adds or replaces a module; keys must be non-empty and free of dots (they become name segments). */
  set(key: string, m: M): this {
    if (typeof key !== 'string' || key === '' || key.includes('.')) {
      throw new RangeError(`ModuleDict: key ${JSON.stringify(key)} must be a non-empty string without "."`);
    }
    this.#modules.set(key, checkModule('ModuleDict', m, `the value for ${JSON.stringify(key)}`) as M);
    return this;
  }

  keys(): string[] {
    return [...this.#modules.keys()];
  }

  entries(): [string, M][] {
    return [...this.#modules];
  }

  get size(): number {
    return this.#modules.size;
  }
}
