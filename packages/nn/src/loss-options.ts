// The option check every loss shares, as a function and as a module: unknown keys are errors, and PyTorch's
// deprecated `size_average` / `reduce` point at `reduction`.
import { checkOptions } from '@tensile/tensor';

// Huber's delta and smooth L1's beta are each other's names in the other loss.
const HINTS: Readonly<Record<string, string>> = { size_average: 'reduction', reduce: 'reduction', beta: 'delta', delta: 'beta' };

/** Throws a TypeError naming an unknown key of a loss's options (`where` is the loss); `reduction` is always known. */
export function checkLossOptions(where: string, opts: unknown, known: readonly string[]): void {
  const keys = ['reduction', ...known];
  checkOptions(where, opts, keys, Object.fromEntries(Object.entries(HINTS).filter(([, to]) => keys.includes(to))));
}
