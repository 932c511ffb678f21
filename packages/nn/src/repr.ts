// Formatting helpers so `toString()` prints a model the way PyTorch's `repr` does, with JS spellings of
// the literals (`true`, `false`, `null`).

/** A float the way Python's `repr` prints it: `1.0`, `0.1`, `1e-05`. */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const [mantissa, e] = x.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp >= -4 && exp < 16) {
    const s = String(x);
    return Number.isInteger(x) ? `${s}.0` : s;
  }
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** A Python tuple: `(3, 3)`, `(5,)`. */
export function pyTuple(values: readonly (number | null)[]): string {
  const items = values.map((v) => (v === null ? 'null' : String(v)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** A number or a pair as the user gave it: `2` or `(2, 3)`. */
export function pyIntOrTuple(v: number | readonly number[]): string {
  return typeof v === 'number' ? String(v) : pyTuple(v);
}

/** Indents every line after the first by two spaces (PyTorch's `_addindent`). */
export function indentTail(s: string): string {
  return s.split('\n').join('\n  ');
}
