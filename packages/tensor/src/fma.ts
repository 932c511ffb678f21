// A correctly rounded fused multiply-add in plain JS, for ops that must match a reference computed with FMA
// (PyTorch's CPU lerp). `a·b` is split exactly into two doubles (Dekker's product), added to `c` exactly
// (Knuth's two-sum), and the small parts are summed with rounding to odd, so the one final rounding to
// nearest is correct (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms
// using rounding to odd", 2008). float32 needs no split: a product of two floats is exact in a double.

const buf = new DataView(new ArrayBuffer(8));

/** `a + b` rounded to odd: exact when representable, else the neighbour of the exact sum whose last bit is 1. */
function addRoundOdd(a: number, b: number): number {
  const s = a + b;
  if (!Number.isFinite(s)) return s;
  const bb = s - a;
  const err = (a - (s - bb)) + (b - bb);
  if (err === 0) return s;
  buf.setFloat64(0, s);
  let hi = buf.getUint32(0), lo = buf.getUint32(4);
  // The truncation toward zero: s itself when the error points away from zero, else one ulp closer to zero.
  if ((err > 0) !== (s > 0)) {
    if (lo === 0) hi -= 1;
    lo = (lo - 1) >>> 0;
  }
  lo = (lo | 1) >>> 0;
  buf.setUint32(0, hi);
  buf.setUint32(4, lo);
  return buf.getFloat64(0);
}

const SPLIT = 134217729; // 2^27 + 1

/** `a·b + c` rounded once (float64). */
export function fma64(a: number, b: number, c: number): number {
  const p = a * b;
  if (!Number.isFinite(p) || !Number.isFinite(c) || p === 0 || Math.abs(p) > 1e300 || Math.abs(p) < 1e-290) return p + c;
  // Dekker: p + e = a·b exactly
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  const e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  // two-sum: s + s2 = c + p exactly
  const s = c + p, z = s - c;
  const s2 = (c - (s - z)) + (p - z);
  return s + addRoundOdd(s2, e);
}

/** `a·b + c` rounded once to float32, for float32 `a`, `b`, `c` (the product is exact in a double). */
export function fma32(a: number, b: number, c: number): number {
  return Math.fround(addRoundOdd(a * b, c));
}
