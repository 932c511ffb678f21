import seedrandom from 'seedrandom';

/**
 * The state of seedrandom's Alea generator. Spelled out here rather than taken from seedrandom's types so that
 * the published declarations do not depend on `@types/seedrandom`.
 */
export interface AleaState {
  readonly c: number;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
}

/** The serialisable state of a `Generator`: resuming from it gives the same numbers bit for bit. */
export interface GeneratorState {
  readonly seed: number | string;
  readonly prng: AleaState;
}

/**
 * A seeded source of random numbers (seedrandom's Alea), the same in Node and in a browser.
 * @example
 * const g = new Generator(42);
 * randn([2, 3], { generator: g });
 */
export class Generator {
  private prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;
  private seedValue: number | string;

  constructor(seed: number | string = 0) {
    this.seedValue = seed;
    this.prng = seedrandom.alea(String(seed), { state: true });
  }

  /** Re-seeds this generator; returns it. */
  manualSeed(seed: number | string): this {
    this.seedValue = seed;
    this.prng = seedrandom.alea(String(seed), { state: true });
    return this;
  }

  get seed(): number | string {
    return this.seedValue;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  random(): number {
    return this.prng.double();
  }

  /** A standard normal draw (Box–Muller on two uniforms; 1 − u keeps the log finite). */
  normal(): number {
    const u = 1 - this.prng.double();
    const v = this.prng.double();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [low, high). */
  int(low: number, high: number): number {
    return low + Math.floor(this.prng.double() * (high - low));
  }

  getState(): GeneratorState {
    return { seed: this.seedValue, prng: this.prng.state() };
  }

  setState(state: GeneratorState): this {
    if (state === null || typeof state !== 'object' || typeof state.prng !== 'object' || state.prng === null) {
      throw new TypeError('Generator.setState: expected an object from getState()');
    }
    this.seedValue = state.seed;
    this.prng = seedrandom.alea('', { state: { ...state.prng } });
    return this;
  }
}

let defaultGenerator = new Generator(0);

/** The generator used when no `generator` option is given. */
export function getDefaultGenerator(): Generator {
  return defaultGenerator;
}

/** Seeds the default generator (PyTorch's `torch.manual_seed`). */
export function manualSeed(seed: number | string): Generator {
  defaultGenerator = new Generator(seed);
  return defaultGenerator;
}
