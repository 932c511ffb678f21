import type { Tensor } from './tensor.js';

const EDGE = 3;
const THRESHOLD = 1000;
const LINE_WIDTH = 80;

/** Formats the numbers of a tensor the way PyTorch's `_Formatter` does: fixed 4 decimals, or scientific when the range asks for it. */
function makeFormatter(values: ArrayLike<number>, dtype: Tensor['dtype']): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'true' : 'false');
  if (dtype === 'int32') return (v) => String(v);
  let maxAbs = 0;
  let minAbs = Infinity;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (!Number.isFinite(a) || a === 0) continue;
    if (a > maxAbs) maxAbs = a;
    if (a < minAbs) minAbs = a;
  }
  const sci = maxAbs > 0 && (maxAbs / minAbs > 1000 || maxAbs > 1e8 || minAbs < 1e-4);
  return (v) => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (!sci) return v.toFixed(4);
    const [m, e] = v.toExponential(4).split('e') as [string, string];
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  };
}

/** The element indices shown along a dim of `size` (all, or the first and last three around an ellipsis). */
function shown(size: number, summarize: boolean): (number | null)[] {
  if (!summarize || size <= 2 * EDGE) return Array.from({ length: size }, (_, i) => i);
  return [0, 1, 2, null, size - 3, size - 2, size - 1];
}

/**
 * `tensor([[1.0000, 2.0000]], dtype=float64, requiresGrad=true)`: PyTorch's layout, elided past 1000
 * elements, with the dtype shown unless it is float32.
 */
export function formatTensor(t: Tensor): string {
  // A device's values cannot be read synchronously: say where the tensor is instead.
  if (!t.isHost) return `tensor(<${t.numel} values on ${(t.storage as { device: string }).device}>, shape=[${t.shape.join(', ')}], dtype=${t.dtype})`;
  const flat = t.toTypedArray();
  const summarize = t.numel > THRESHOLD;
  const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  // Collect the shown values so the width and the notation come from what is printed.
  const visible: number[] = [];
  const walk = (d: number, base: number): void => {
    if (d === t.ndim) {
      visible.push(flat[base]!);
      return;
    }
    for (const i of shown(t.shape[d]!, summarize)) if (i !== null) walk(d + 1, base + i * strides[d]!);
  };
  walk(0, 0);
  const fmt = makeFormatter(visible, t.dtype);
  const width = visible.reduce((w, v) => Math.max(w, fmt(v).length), 0);
  const cell = (v: number): string => fmt(v).padStart(width);
  const prefix = 'tensor(';
  const render = (d: number, base: number, indent: number): string => {
    if (d === t.ndim) return cell(flat[base]!);
    const idx = shown(t.shape[d]!, summarize);
    if (d === t.ndim - 1) {
      // PyTorch's vector ellipsis is ' ...' (so it reads `2,  ..., 1997`); the row ellipsis below is '...'.
      const items = idx.map((i) => (i === null ? ' ...' : cell(flat[base + i * strides[d]!]!)));
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return `[${lines.join(',\n' + ' '.repeat(indent + 1))}]`;
    }
    const sep = ',' + '\n'.repeat(t.ndim - d - 1) + ' '.repeat(indent + 1);
    const parts = idx.map((i) => (i === null ? '...' : render(d + 1, base + i * strides[d]!, indent + 1)));
    return `[${parts.join(sep)}]`;
  };
  let body: string;
  const extras: string[] = [];
  if (t.numel === 0) {
    body = '[]';
    if (t.ndim !== 1) extras.push(`size=[${t.shape.join(', ')}]`);
  } else body = render(0, 0, prefix.length);
  if (t.dtype !== 'float32' && !(t.dtype === 'bool')) extras.push(`dtype=${t.dtype}`);
  if (t.gradFn !== null) extras.push(`gradFn=<${t.gradFn.op}>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `${prefix}${body}${extras.map((e) => ', ' + e).join('')})`;
}
