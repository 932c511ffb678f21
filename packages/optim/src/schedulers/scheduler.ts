// What a scheduler is: the optimizer asks it for the learning rate once per step; it never writes into
// the optimizer. Pure schedules are functions of the step; loss-driven ones keep serialisable state.
import { checkOptions } from '@tensile/tensor';
import { StateDictError } from '../errors.js';
import { describe } from '../params.js';

/** A scheduler's serialisable state (plain JSON values), stored in the optimizer's `stateDict()`. */
export interface SchedulerState {
  readonly name: string;
  readonly [key: string]: unknown;
}

/**
 * Gives the learning rate for optimizer step `step` (the first step is 1). `loss` is the loss passed to
 * `optimizer.step(loss)`; loss-driven schedulers require it.
 */
export interface Scheduler {
  readonly name: string;
  lr(step: number, loss?: number): number;
  stateDict(): SchedulerState;
  /** Validates `state` completely, then loads it; on error nothing changes. */
  loadStateDict(state: SchedulerState): void;
}

/** A schedule that is a pure function of the step. It has no state beyond its name. */
export abstract class Schedule implements Scheduler {
  abstract readonly name: string;

  abstract lr(step: number): number;

  /** The learning rates of optimizer steps 1…n (for plots and tests). */
  preview(n: number): number[] {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`${this.name}.preview: n must be an integer ≥ 0, got ${describe(n)}`);
    return Array.from({ length: n }, (_, i) => this.lr(i + 1));
  }

  stateDict(): SchedulerState {
    return { name: this.name };
  }

  loadStateDict(state: SchedulerState): void {
    checkStateName(this.name, state);
  }
}

export function checkStateName(name: string, state: unknown): asserts state is SchedulerState {
  const got = typeof state === 'object' && state !== null ? (state as { name?: unknown }).name : undefined;
  if (got !== name) throw new StateDictError(`${name}.loadStateDict: the state is for ${describe(got)}, not ${name}. Nothing was loaded.`);
}

/** Checks an optimizer step number: an integer ≥ `min`. */
export function checkStep(owner: string, step: number, min = 1): void {
  if (!Number.isInteger(step) || step < min) {
    throw new RangeError(`${owner}: step must be an integer ≥ ${min} (the first optimizer step is 1), got ${describe(step)}`);
  }
}

/**
 * Throws a TypeError naming a key of a scheduler's options that it does not know (PyTorch's snake_case
 * spellings get the camelCase name as a hint), and returns the options for destructuring.
 */
export function schedulerOptions<T extends object>(owner: string, opts: T, known: readonly (keyof T & string)[], hints: Readonly<Record<string, string>> = {}): T {
  checkOptions(owner, opts, known, hints);
  if (opts === undefined) throw new TypeError(`${owner}: options are required (${known.join(', ')})`);
  return opts;
}

/** Checks one scheduler option; `ok` says whether the value is allowed and `must` what it must be. */
export function option<T>(owner: string, key: string, value: T, must: string, ok: (v: T) => boolean): T {
  if (!ok(value)) {
    const Err = typeof value === 'number' ? RangeError : TypeError;
    throw new Err(`${owner}: ${key} must be ${must}, got ${describe(value)}`);
  }
  return value;
}

export const isNonNegative = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
export const isPositive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0;
export const isPositiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
export const isUnit = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v <= 1;
