import type { ReduceOp, View } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
import { RowIter } from '../iter.js';

/** Offsets (relative to a block's start) of the rows of a reduced block, plus the row length and stride. */
function blockRows(shape: readonly number[], strides: readonly number[]): { starts: number[]; n: number; s: number } {
  const it = new RowIter(shape, [{ storage: new Uint8Array(0), shape, strides, offset: 0 }]);
  const starts: number[] = [];
  for (let r = 0; r < it.rows; r++) {
    starts.push(it.pos[0]!);
    it.next();
  }
  return { starts, n: it.n, s: it.inner[0]! };
}

export function reduce(op: ReduceOp, x: View, rank: number, out: TypedArray): void {
  const nd = x.shape.length;
  const leadShape = x.shape.slice(0, nd - rank);
  const leadStrides = x.strides.slice(0, nd - rank);
  const { starts, n, s } = blockRows(x.shape.slice(nd - rank), x.strides.slice(nd - rank));
  const lead = new RowIter(leadShape, [{ storage: x.storage, shape: leadShape, strides: leadStrides, offset: x.offset }]);
  const d = x.storage;
  const ls = lead.inner[0]!;
  const blockSize = starts.length * n;
  let o = 0;
  for (let r = 0; r < lead.rows; r++) {
    let base = lead.pos[0]!;
    for (let e = 0; e < lead.n; e++, base += ls, o++) {
      switch (op) {
        case 'sum': {
          let acc = 0;
          for (const st of starts) for (let i = 0, j = base + st; i < n; i++, j += s) acc += d[j]!;
          out[o] = acc;
          break;
        }
        case 'prod': {
          let acc = 1;
          for (const st of starts) for (let i = 0, j = base + st; i < n; i++, j += s) acc *= d[j]!;
          out[o] = acc;
          break;
        }
        case 'max':
        case 'min':
        case 'argmax':
        case 'argmin': {
          if (blockSize === 0) {
            out[o] = op === 'max' ? -Infinity : op === 'min' ? Infinity : 0;
            break;
          }
          const isMax = op === 'max' || op === 'argmax';
          let best = NaN;
          let bestIdx = -1;
          let k = 0;
          // The first NaN wins, as in PyTorch: once best is NaN nothing replaces it.
          outer: for (const st of starts) {
            for (let i = 0, j = base + st; i < n; i++, j += s, k++) {
              const v = d[j]!;
              if (v !== v) {
                best = v;
                bestIdx = k;
                break outer;
              }
              if (bestIdx < 0 || (isMax ? v > best : v < best)) {
                best = v;
                bestIdx = k;
              }
            }
          }
          out[o] = op === 'max' || op === 'min' ? best : bestIdx;
          break;
        }
        default: {
          const never: never = op;
          throw new Error(`reduce: unknown op ${String(never)}`);
        }
      }
    }
    lead.next();
  }
}

export function softmax(op: 'softmax' | 'logSoftmax', x: View, out: TypedArray): void {
  const nd = x.shape.length;
  const n = nd === 0 ? 1 : x.shape[nd - 1]!;
  const s = nd === 0 ? 0 : x.strides[nd - 1]!;
  const leadShape = x.shape.slice(0, Math.max(nd - 1, 0));
  const lead = new RowIter(leadShape, [{ storage: x.storage, shape: leadShape, strides: x.strides.slice(0, Math.max(nd - 1, 0)), offset: x.offset }]);
  const d = x.storage;
  const ls = lead.inner[0]!;
  let o = 0;
  for (let r = 0; r < lead.rows; r++) {
    let base = lead.pos[0]!;
    for (let e = 0; e < lead.n; e++, base += ls, o += n) {
      // Subtracting the row max keeps exp() from overflowing; a row of -Infinity stays NaN as in PyTorch.
      let max = -Infinity;
      for (let i = 0, j = base; i < n; i++, j += s) if (d[j]! > max || d[j]! !== d[j]!) max = d[j]!;
      let sum = 0;
      for (let i = 0, j = base; i < n; i++, j += s) {
        const v = Math.exp(d[j]! - max);
        out[o + i] = v;
        sum += v;
      }
      if (op === 'softmax') {
        for (let i = 0; i < n; i++) out[o + i] = out[o + i]! / sum;
      } else {
        const lse = max + Math.log(sum);
        for (let i = 0, j = base; i < n; i++, j += s) out[o + i] = d[j]! - lse;
      }
    }
    lead.next();
  }
}
