// Softmax, log-softmax and class-index cross-entropy along contiguous rows of n elements, `rows` rows
// starting `ls` elements apart; outputs are contiguous. The JS reference's steps: the row max m (a NaN
// wins), s = Σ exp(x − m) accumulated in float64, then x ↦ exp(x − m)/s, x − (m + log s), or
// (m + log s) − x[target]. A row of −∞ gives NaN (−∞ − −∞), as in PyTorch.
//   float32: exp(x − m) is a vectorised Cephes expf (~1 ulp) with x − m carried exactly (two-sum), so
//   rows of large logits lose nothing; sums, the division and x − lse run in float64.
//   float64: exp and log are fdlibm's e_exp.c and e_log.c (what V8's Math.exp and Math.log run), with the
//   same operations in the same order, and the sum is taken in the reference's order, so the results
//   equal the JS kernel's to the bit (where the engine's own fdlibm is compiled without fused multiply-adds).
// Rows are walked in whole vectors: the last one is lane-masked, and its overrun reads and writes land
// on the next row (written after it) or on the caller's spare block after each buffer.

// ---------------------------------------------------------------------------------------------------
// float32

// Constants are loaded from a table inside the loops: V8 rebuilds a v128.const from immediates at every
// use (about four instructions), which costs more than the load.
const F32 = memory.data<f32>([
  1.44269504, 12582912, // log2 e; 1.5·2²³, whose addition rounds to an integer in the low mantissa bits
  0.693359375, -2.12194440e-4, // ln 2 = C1 − C2, C1 exact in 9 bits so k·C1 is exact
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1, 1, // Cephes expf
  5.421010862427522e-20, // 2^−64
  -104, // exp(x) < 2^−150 rounds to 0
]);
const F32_SCALE_BIAS = memory.data<i32>([(127 + 64) << 23]);
@inline function f32c(i: i32): v128 { return v128.load_splat<f32>(F32 + (<usize>i << 2)); }

/** exp(a + nb) for a + nb ≤ 0 or NaN (nb = −max), to ~1 ulp including subnormal results. */
@inline function expSumF32(a: v128, nb: v128): v128 {
  // two-sum: s + e = a + nb exactly
  const s = f32x4.add(a, nb);
  const bb = f32x4.sub(s, a);
  const e = f32x4.add(f32x4.sub(a, f32x4.sub(s, bb)), f32x4.sub(nb, bb));
  // s = k·ln2 + r, k = round(s·log2 e), |r| ≤ ln2/2
  const kb = f32x4.add(f32x4.mul(s, f32c(0)), f32c(1));
  const k = f32x4.sub(kb, f32c(1));
  const r = f32x4.add(f32x4.sub(f32x4.sub(s, f32x4.mul(k, f32c(2))), f32x4.mul(k, f32c(3))), e);
  const z = f32x4.mul(r, r);
  let p = f32x4.add(f32x4.mul(f32c(4), r), f32c(5));
  p = f32x4.add(f32x4.mul(p, r), f32c(6));
  p = f32x4.add(f32x4.mul(p, r), f32c(7));
  p = f32x4.add(f32x4.mul(p, r), f32c(8));
  p = f32x4.add(f32x4.mul(p, r), f32c(9));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, z), r), f32c(10));
  // e^r·2^k as (e^r·2^(k+64))·2^−64: the first factor stays normal down to k = −150, and the one rounding
  // of the last product lands subnormal results correctly. k sits in kb's low bits; << 23 moves it to the exponent.
  const scale = i32x4.add(i32x4.shl(kb, 23), v128.load_splat<i32>(F32_SCALE_BIAS));
  const res = f32x4.mul(f32x4.mul(y, scale), f32c(11));
  return v128.andnot(res, f32x4.lt(s, f32c(12)));
}

/** All-ones in the first `count` lanes (count ≥ 4: all of them). */
@inline function maskF32(count: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(count));
}

/** The largest element of the row (NaN if there is one; −∞ for an empty row). */
@inline function rowMaxF32(p: usize, n: i32): f32 {
  const ninf = f32x4.splat(-Infinity);
  let m = ninf;
  let i = 0;
  for (; i + 4 <= n; i += 4) m = f32x4.max(m, v128.load(p + (<usize>i << 2)));
  if (i < n) m = f32x4.max(m, v128.bitselect(v128.load(p + (<usize>i << 2)), ninf, maskF32(n - i)));
  return max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
}

/** Σ exp(x − m) over the row in float64, writing each term to `o` when `o` is not 0. */
@inline function rowExpSumF32(p: usize, n: i32, m: f32, o: usize): f64 {
  const nm = f32x4.splat(-m);
  let a = f64x2.splat(0), b = f64x2.splat(0);
  let i = 0;
  // Two vectors per step: two independent exps keep the pipelines busy.
  for (; i + 8 <= n; i += 8) {
    const e = expSumF32(v128.load(p + (<usize>i << 2)), nm);
    const f = expSumF32(v128.load(p + (<usize>i << 2), 16), nm);
    if (o) {
      v128.store(o + (<usize>i << 2), e);
      v128.store(o + (<usize>i << 2), f, 16);
    }
    a = f64x2.add(a, f64x2.add(f64x2.promote_low_f32x4(e), f64x2.promote_low_f32x4(f)));
    b = f64x2.add(b, f64x2.add(f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 2, 3)), f64x2.promote_low_f32x4(v128.shuffle<f32>(f, f, 2, 3, 2, 3))));
  }
  for (; i < n; i += 4) {
    const e = v128.and(expSumF32(v128.load(p + (<usize>i << 2)), nm), maskF32(n - i));
    if (o) v128.store(o + (<usize>i << 2), e);
    a = f64x2.add(a, f64x2.promote_low_f32x4(e));
    b = f64x2.add(b, f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 2, 3)));
  }
  const s = f64x2.add(a, b);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** float32 lanes (promoted in two halves) ↦ f(lanes) in float64 ↦ float32. */
@inline function demote2(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

function softmaxF32Rows(x: usize, rows: i32, ls: i32, n: i32, out: usize, log: bool): void {
  for (let r = 0; r < rows; r++) {
    const p = x + (<usize>(r * ls) << 2);
    const o = out + (<usize>(r * n) << 2);
    const m = rowMaxF32(p, n);
    if (log) {
      const lse = f64x2.splat(<f64>m + logF64(rowExpSumF32(p, n, m, 0)));
      for (let i = 0; i < n; i += 4) {
        const v = v128.load(p + (<usize>i << 2));
        const lo = f64x2.sub(f64x2.promote_low_f32x4(v), lse);
        const hi = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)), lse);
        v128.store(o + (<usize>i << 2), demote2(lo, hi));
      }
    } else {
      const inv = f64x2.splat(1 / rowExpSumF32(p, n, m, o));
      for (let i = 0; i < n; i += 4) {
        const e = v128.load(o + (<usize>i << 2));
        const lo = f64x2.mul(f64x2.promote_low_f32x4(e), inv);
        const hi = f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(e, e, 2, 3, 2, 3)), inv);
        v128.store(o + (<usize>i << 2), demote2(lo, hi));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// float64: fdlibm's exp (e_exp.c), two lanes at a time.

const LN2_HI = 6.93147180369123816490e-01;
const LN2_LO = 1.90821492927058770002e-10;
const F64 = memory.data<f64>([
  1, 0.5, 1.44269504088896338700e+00, LN2_HI, LN2_LO, // 1, ½, 1/ln2, ln2 = hi + lo
  1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05, // P1..P5
  -1.65339022054652515390e-06, 4.13813679705723846039e-08,
  2, -1021, 1000, 6755399441055744, 9.33263618503218878990e-302, // 2, k bounds, 1.5·2⁵², 2^−1000
  -7.45133219101941108420e+02, // below: exp underflows to 0
]);
const I64 = memory.data<u64>([
  0x8000000000000000, // the sign bit
  0x3fd62e42, 0x3ff0a2b2, 0x3e300000, // high words of ln2/2, 1.5·ln2, 2^−28
  0x3ff0000000000000, // the exponent bias, in place
]);
@inline function f64c(i: i32): v128 { return v128.load_splat<f64>(F64 + (<usize>i << 3)); }
@inline function i64c(i: i32): v128 { return v128.load_splat<i64>(I64 + (<usize>i << 3)); }

/** fdlibm's exp(x) for x ≤ 0 (and NaN): its reduction x = k·ln2 + r, its branches on the high word of |x|. */
@inline function expF64(x: v128): v128 {
  const sign = v128.and(x, i64c(0));
  const hx = i64x2.shr_u(v128.xor(x, sign), 32);
  // |x| > ln2/2: k = ±1 below 1.5·ln2, else (int)(x/ln2 ± ½); k = 0 below.
  const kFar = f64x2.trunc(f64x2.add(f64x2.mul(x, f64c(2)), v128.or(f64c(1), sign)));
  const kNear = v128.or(f64c(0), sign);
  const k = v128.and(v128.bitselect(kNear, kFar, i64x2.lt_s(hx, i64c(2))), i64x2.gt_s(hx, i64c(1)));
  const hi = f64x2.sub(x, f64x2.mul(k, f64c(3)));
  const lo = f64x2.mul(k, f64c(4));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let q = f64x2.add(f64c(8), f64x2.mul(t, f64c(9)));
  q = f64x2.add(f64c(7), f64x2.mul(t, q));
  q = f64x2.add(f64c(6), f64x2.mul(t, q));
  q = f64x2.add(f64c(5), f64x2.mul(t, q));
  const c = f64x2.sub(r, f64x2.mul(t, q));
  // y = 1 − ((lo − r·c/(2 − c)) − hi); for k = 0 (lo = 0, hi = r) this is fdlibm's 1 − (r·c/(c − 2) − r).
  const y = f64x2.sub(f64c(0), f64x2.sub(f64x2.sub(lo, f64x2.div(f64x2.mul(r, c), f64x2.sub(f64c(10), c))), hi));
  // y·2^k, with 2^k built from k's bits (k + 1.5·2⁵² holds k in its low bits); below k = −1021 fdlibm
  // scales by 2^(k+1000) and then by 2^−1000.
  const deep = f64x2.lt(k, f64c(11));
  const kb = f64x2.add(f64x2.add(k, v128.and(f64c(12), deep)), f64c(13));
  const twopk = i64x2.add(i64x2.shl(kb, 52), i64c(4));
  const res = f64x2.mul(f64x2.mul(y, twopk), v128.bitselect(f64c(14), f64c(0), deep));
  // |x| < 2^−28: 1 + x; x < −745.13 (or −∞): 0.
  const tiny = v128.bitselect(f64x2.add(f64c(0), x), res, i64x2.lt_s(hx, i64c(3)));
  return v128.andnot(tiny, f64x2.lt(x, f64c(15)));
}

@inline function maskF64(count: i32): v128 {
  return i64x2.lt_s(i64x2(0, 1), i64x2.splat(count));
}

@inline function rowMaxF64(p: usize, n: i32): f64 {
  const ninf = f64x2.splat(-Infinity);
  let m = ninf;
  let i = 0;
  for (; i + 2 <= n; i += 2) m = f64x2.max(m, v128.load(p + (<usize>i << 3)));
  if (i < n) m = f64x2.max(m, v128.bitselect(v128.load(p + (<usize>i << 3)), ninf, maskF64(n - i)));
  return max(f64x2.extract_lane(m, 0), f64x2.extract_lane(m, 1));
}

/** Σ exp(x − m) left to right, as the reference adds (the serial adds hide behind the exps). */
@inline function rowExpSumF64(p: usize, n: i32, m: f64, o: usize): f64 {
  const mv = f64x2.splat(m);
  let s: f64 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const e = expF64(f64x2.sub(v128.load(p + (<usize>i << 3)), mv));
    const f = expF64(f64x2.sub(v128.load(p + (<usize>i << 3), 16), mv));
    if (o) {
      v128.store(o + (<usize>i << 3), e);
      v128.store(o + (<usize>i << 3), f, 16);
    }
    s = s + f64x2.extract_lane(e, 0) + f64x2.extract_lane(e, 1) + f64x2.extract_lane(f, 0) + f64x2.extract_lane(f, 1);
  }
  for (; i < n; i += 2) {
    const e = v128.and(expF64(f64x2.sub(v128.load(p + (<usize>i << 3)), mv)), maskF64(n - i));
    if (o) v128.store(o + (<usize>i << 3), e);
    s = s + f64x2.extract_lane(e, 0) + f64x2.extract_lane(e, 1);
  }
  return s;
}

const LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01, LG3 = 2.857142874366239149e-01;
const LG4 = 2.222219843214978396e-01, LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01;
const LG7 = 1.479819860511658591e-01;

/** fdlibm's log (e_log.c) for x ≥ 2^−1022 and NaN: here x is a sum of exps that includes e⁰ = 1. */
function logF64(x: f64): f64 {
  let hx = <i32>(reinterpret<u64>(x) >> 32);
  if (hx < 0x00100000) return x == 0 ? -Infinity : NaN;
  if (hx >= 0x7ff00000) return x + x;
  let k = (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i = (hx + 0x95f64) & 0x100000;
  x = reinterpret<f64>((<u64>(hx | (i ^ 0x3ff00000)) << 32) | (reinterpret<u64>(x) & 0xffffffff)); // x or x/2 in [√2/2, √2)
  k += i >> 20;
  const f = x - 1.0;
  const dk = <f64>k;
  if ((0x000fffff & (2 + hx)) < 3) { // |f| < 2^−20
    if (f == 0) return k == 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const R = f * f * (0.5 - 0.33333333333333333 * f);
    return k == 0 ? f - R : dk * LN2_HI - ((R - dk * LN2_LO) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    return k == 0 ? f - (hfsq - s * (hfsq + R)) : dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  return k == 0 ? f - s * (f - R) : dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

function softmaxF64Rows(x: usize, rows: i32, ls: i32, n: i32, out: usize, log: bool): void {
  for (let r = 0; r < rows; r++) {
    const p = x + (<usize>(r * ls) << 3);
    const o = out + (<usize>(r * n) << 3);
    const m = rowMaxF64(p, n);
    if (log) {
      const lse = f64x2.splat(m + logF64(rowExpSumF64(p, n, m, 0)));
      for (let i = 0; i < n; i += 2) v128.store(o + (<usize>i << 3), f64x2.sub(v128.load(p + (<usize>i << 3)), lse));
    } else {
      const s = f64x2.splat(rowExpSumF64(p, n, m, o));
      for (let i = 0; i < n; i += 2) v128.store(o + (<usize>i << 3), f64x2.div(v128.load(o + (<usize>i << 3)), s));
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Exports. Addresses in bytes; ls (the row stride) in elements; `target` holds int32 class indices in [0, n).

/** out[r, :] = softmax (log = 0) or log-softmax (log = 1) of row r. */
export function softmaxF32(x: usize, rows: i32, ls: i32, n: i32, out: usize, log: i32): void { softmaxF32Rows(x, rows, ls, n, out, log != 0); }
export function softmaxF64(x: usize, rows: i32, ls: i32, n: i32, out: usize, log: i32): void { softmaxF64Rows(x, rows, ls, n, out, log != 0); }

/** out[r] = log Σ exp(row r) − x[r, target[r]]. */
export function crossEntropyF32(x: usize, rows: i32, ls: i32, n: i32, target: usize, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const p = x + (<usize>(r * ls) << 2);
    const m = rowMaxF32(p, n);
    const lse = <f64>m + logF64(rowExpSumF32(p, n, m, 0));
    store<f32>(out + (<usize>r << 2), <f32>(lse - <f64>load<f32>(p + (<usize>load<i32>(target + (<usize>r << 2)) << 2))));
  }
}

export function crossEntropyF64(x: usize, rows: i32, ls: i32, n: i32, target: usize, out: usize): void {
  for (let r = 0; r < rows; r++) {
    const p = x + (<usize>(r * ls) << 3);
    const m = rowMaxF64(p, n);
    const lse = m + logF64(rowExpSumF64(p, n, m, 0));
    store<f64>(out + (<usize>r << 3), lse - load<f64>(p + (<usize>load<i32>(target + (<usize>r << 2)) << 3)));
  }
}
