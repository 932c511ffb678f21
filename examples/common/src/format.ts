// Number formats for the lines a user reads; the rest (durations, rates, learning rates, percentages) are
// @tensile/train's.

/** A count with its noun: `plural(1, 'epoch')` → `"1 epoch"`, `plural(3, 'batch', 'batches')` → `"3 batches"`. */
export function plural(n: number, word: string, words = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : words}`;
}
