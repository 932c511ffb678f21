import type { View } from './backend.js';

/**
 * Walks several same-shaped strided views row by row. Dims are first coalesced (size-1 dims dropped,
 * neighbours merged where every view is contiguous across them), so a contiguous tensor is one row and
 * a kernel's inner loop runs over as many elements as possible with fixed strides.
 */
export class RowIter {
  /** Elements in one row. */
  readonly n: number;
  /** Number of rows. */
  readonly rows: number;
  /** Per view: the stride along the row. */
  readonly inner: number[];
  /** Per view: the offset of the current row. */
  readonly pos: number[];
  private readonly outerShape: number[];
  private readonly outerStrides: number[][];
  private readonly counter: number[];

  constructor(shape: readonly number[], views: readonly View<unknown>[]) {
    const k = views.length;
    const dims: number[] = [];
    const strides: number[][] = views.map(() => []);
    for (let d = 0; d < shape.length; d++) {
      const size = shape[d]!;
      if (size === 1) continue;
      const last = dims.length - 1;
      let merge = last >= 0;
      if (merge) {
        for (let v = 0; v < k; v++) {
          if (strides[v]![last] !== views[v]!.strides[d]! * size) {
            merge = false;
            break;
          }
        }
      }
      if (merge) {
        dims[last] = dims[last]! * size;
        for (let v = 0; v < k; v++) strides[v]![last] = views[v]!.strides[d]!;
      } else {
        dims.push(size);
        for (let v = 0; v < k; v++) strides[v]!.push(views[v]!.strides[d]!);
      }
    }
    let numel = 1;
    for (const s of shape) numel *= s;
    if (dims.length === 0) {
      this.n = numel;
      this.inner = views.map(() => 0);
      this.outerShape = [];
      this.outerStrides = views.map(() => []);
    } else {
      this.n = dims[dims.length - 1]!;
      this.inner = strides.map((s) => s[s.length - 1]!);
      this.outerShape = dims.slice(0, -1);
      this.outerStrides = strides.map((s) => s.slice(0, -1));
    }
    this.rows = this.n === 0 ? 0 : numel / this.n;
    this.pos = views.map((v) => v.offset);
    this.counter = this.outerShape.map(() => 0);
  }

  /** Advances `pos` to the next row. */
  next(): void {
    const pos = this.pos;
    for (let d = this.outerShape.length - 1; d >= 0; d--) {
      const c = ++this.counter[d]!;
      const strides = this.outerStrides;
      if (c < this.outerShape[d]!) {
        for (let v = 0; v < pos.length; v++) pos[v] = pos[v]! + strides[v]![d]!;
        return;
      }
      this.counter[d] = 0;
      for (let v = 0; v < pos.length; v++) pos[v] = pos[v]! - strides[v]![d]! * (c - 1);
    }
  }
}
