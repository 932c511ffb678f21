// Float32 transcendental activations on SIMD lanes: gelu and its derivative, sigmoid and tanh over
// contiguous runs (padded by the caller to whole 16-byte vectors), and LSTM's pointwise step and its adjoint.
// Unlike the other elementwise kernels these do not reproduce the JS reference bit for bit: they evaluate
// e^y and erfc from polynomials in float32 (relative error a few 1e-7, see below), as PyTorch's vectorised
// float32 kernels do, instead of float64 library calls.
//
// e^y for y ≤ 0 (every use here has a non-positive exponent): y = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in a
// part exact in float32 and a remainder), e^r − 1 = q(r) from its Taylor series to r⁷, then e^y = 2ⁿ(1 + q)
// and e^y − 1 = (2ⁿ − 1) + 2ⁿq, the latter exact-relative near 0 (tanh of small x keeps its digits). Below
// y = −87 (2ⁿ would leave the normal range) e^y is taken as 0.
// erfc(u), u ≥ 0, is e^{−u²}·P(t) with t = 1/(1 + u/2) and P a degree-9 polynomial fitted to e^{u²}erfc(u) on
// [0, 9.5] by least squares in relative error (max relative error 4e-7 in float32); erfc keeps its relative
// precision in the tail, so gelu does too for negative inputs.

const GELU = 0, GELU_GRAD = 1, SIGMOID = 2, TANH = 3;

const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const SQRT1_2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;

// The constants of the loops below, read from memory with one broadcast load each (v128.load32_splat): V8
// builds a v128 constant from immediates in several instructions at every use, which cost more than the
// arithmetic here.
const KC = memory.data<f32>([
  <f32>(1.0 / 5040),
  <f32>(1.0 / 720),
  <f32>(1.0 / 120),
  <f32>(1.0 / 24),
  <f32>(1.0 / 6),
  <f32>0.5,
  <f32>1,
  <f32>-87,
  <f32>LOG2E,
  <f32>LN2_HI,
  <f32>LN2_LO,
  <f32>12583039,
  <f32>-1,
  <f32>-0.054956063628196716,
  <f32>0.2632972002029419,
  <f32>-0.4398438334465027,
  <f32>0.2187390774488449,
  <f32>0.01933232881128788,
  <f32>0.17993497848510742,
  <f32>0.2502785921096802,
  <f32>0.28098955750465393,
  <f32>0.2822348177433014,
  <f32>-6.707778993586544e-6,
  <f32>-0.5,
  <f32>SQRT1_2,
  <f32>0,
  <f32>-2,
  <f32>2,
  <f32>INV_SQRT_2PI,
]);

// Their indices in KC.
const E_1_5040 = 0;
const E_1_720 = 1;
const E_1_120 = 2;
const E_1_24 = 3;
const E_1_6 = 4;
const HALF = 5;
const ONE = 6;
const EXP_MIN = 7;
const K_LOG2E = 8;
const K_LN2_HI = 9;
const K_LN2_LO = 10;
const POW2_BIAS = 11;
const MINUS_ONE = 12;
const ERFC_C9 = 13;
const ERFC_C8 = 14;
const ERFC_C7 = 15;
const ERFC_C6 = 16;
const ERFC_C5 = 17;
const ERFC_C4 = 18;
const ERFC_C3 = 19;
const ERFC_C2 = 20;
const ERFC_C1 = 21;
const ERFC_C0 = 22;
const MINUS_HALF = 23;
const K_SQRT1_2 = 24;
const ZERO = 25;
const MINUS_TWO = 26;
const TWO = 27;
const K_INV_SQRT_2PI = 28;

// @ts-ignore: decorator
@inline function kc(i: i32): v128 {
  return v128.load32_splat(KC + (<usize>i << 2));
}

/** e^r − 1 for |r| ≤ ln2/2: its Taylor series to r⁷. */
// @ts-ignore: decorator
@inline function expm1Poly(r: v128): v128 {
  let q = kc(E_1_5040);
  q = f32x4.add(f32x4.mul(q, r), kc(E_1_720));
  q = f32x4.add(f32x4.mul(q, r), kc(E_1_120));
  q = f32x4.add(f32x4.mul(q, r), kc(E_1_24));
  q = f32x4.add(f32x4.mul(q, r), kc(E_1_6));
  q = f32x4.add(f32x4.mul(q, r), kc(HALF));
  q = f32x4.add(f32x4.mul(q, r), kc(ONE));
  return f32x4.mul(q, r);
}

/**
 * y clamped to ≥ −87, NaN kept. `pmax` (y < −87 ? −87 : y) is one instruction (maxps) where `max`, with its
 * NaN and signed-zero rules, is several; the two agree here (−87 is neither NaN nor zero).
 */
// @ts-ignore: decorator
@inline function clampLow(y: v128): v128 {
  return f32x4.pmax(y, kc(EXP_MIN));
}

/** n = round(y/ln2) for y clamped to ≥ −87. */
// @ts-ignore: decorator
@inline function expN(y: v128): v128 {
  return f32x4.nearest(f32x4.mul(clampLow(y), kc(K_LOG2E)));
}

/** r = y − n·ln2 (y clamped as in expN). */
// @ts-ignore: decorator
@inline function expR(y: v128, n: v128): v128 {
  return f32x4.sub(f32x4.sub(clampLow(y), f32x4.mul(n, kc(K_LN2_HI))), f32x4.mul(n, kc(K_LN2_LO)));
}

/**
 * 2ⁿ for integral n in [−126, 0]: n + 127 + 1.5·2²³ holds n + 127 in its low mantissa bits (exactly: every
 * integer below 2²⁴ is a float32), which the shift moves into the exponent field, the rest shifting out. The
 * same bits as converting n to an integer, without the saturating conversion that costs V8 several
 * instructions. (A NaN n gives some float, which the NaN of the polynomial then overrides.)
 */
// @ts-ignore: decorator
@inline function pow2(n: v128): v128 {
  return i32x4.shl(f32x4.add(n, kc(POW2_BIAS)), 23);
}

/** e^y for y ≤ 0 (0 below −87; NaN stays NaN). */
// @ts-ignore: decorator
@inline function expNeg(y: v128): v128 {
  const n = expN(y);
  const s = pow2(n);
  const e = f32x4.add(s, f32x4.mul(s, expm1Poly(expR(y, n))));
  return v128.andnot(e, f32x4.lt(y, kc(EXP_MIN)));
}

/** e^y − 1 for y ≤ 0 (−1 below −87). */
// @ts-ignore: decorator
@inline function expm1Neg(y: v128): v128 {
  const n = expN(y);
  const s = pow2(n);
  const m = f32x4.add(f32x4.sub(s, kc(ONE)), f32x4.mul(s, expm1Poly(expR(y, n))));
  return v128.bitselect(kc(MINUS_ONE), m, f32x4.lt(y, kc(EXP_MIN)));
}

/** e^{u²}·erfc(u) for u ≥ 0 as P(1/(1 + u/2)). */
// @ts-ignore: decorator
@inline function erfcScaled(u: v128): v128 {
  const t = f32x4.div(kc(ONE), f32x4.add(kc(ONE), f32x4.mul(u, kc(HALF))));
  let p = kc(ERFC_C9);
  p = f32x4.add(f32x4.mul(p, t), kc(ERFC_C8));
  p = f32x4.add(f32x4.mul(p, t), kc(ERFC_C7));
  p = f32x4.add(f32x4.mul(p, t), kc(ERFC_C6));
  p = f32x4.add(f32x4.mul(p, t), kc(ERFC_C5));
  p = f32x4.add(f32x4.mul(p, t), kc(ERFC_C4));
  p = f32x4.add(f32x4.mul(p, t), kc(ERFC_C3));
  p = f32x4.add(f32x4.mul(p, t), kc(ERFC_C2));
  p = f32x4.add(f32x4.mul(p, t), kc(ERFC_C1));
  return f32x4.add(f32x4.mul(p, t), kc(ERFC_C0));
}

/** e^{−x²/2} (gelu's derivative needs it again). */
// @ts-ignore: decorator
@inline function gauss(x: v128): v128 {
  return expNeg(f32x4.mul(f32x4.mul(x, x), kc(MINUS_HALF)));
}

/** Φ(x) = ½erfc(−x/√2) from e = e^{−x²/2}: 1 − ½erfc(x/√2) for x ≥ 0, ½erfc(|x|/√2) below. */
// @ts-ignore: decorator
@inline function normalCdf(x: v128, e: v128): v128 {
  const half = f32x4.mul(f32x4.mul(e, erfcScaled(f32x4.abs(f32x4.mul(x, kc(K_SQRT1_2))))), kc(HALF));
  return v128.bitselect(f32x4.sub(kc(ONE), half), half, f32x4.ge(x, kc(ZERO)));
}

// @ts-ignore: decorator
@inline function sigmoid(x: v128): v128 {
  const e = expNeg(f32x4.neg(f32x4.abs(x)));
  const r = f32x4.div(kc(ONE), f32x4.add(kc(ONE), e));
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, kc(ZERO)));
}

/** tanh x = sign(x)·(−m)/(2 + m) with m = e^{−2|x|} − 1. */
// @ts-ignore: decorator
@inline function tanh(x: v128): v128 {
  const m = expm1Neg(f32x4.mul(f32x4.abs(x), kc(MINUS_TWO)));
  const t = f32x4.div(f32x4.neg(m), f32x4.add(kc(TWO), m));
  return v128.or(t, v128.and(x, i32x4.splat(0x80000000)));
}

/** out = op(x) over n float32s (whole vectors). One loop per op: V8 does not move the switch out of the loop. */
export function activationF32(op: i32, x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  switch (op) {
    case GELU:
      for (; x < end; x += 16, out += 16) {
        const v = v128.load(x);
        v128.store(out, f32x4.mul(v, normalCdf(v, gauss(v))));
      }
      break;
    case GELU_GRAD:
      for (; x < end; x += 16, out += 16) {
        const v = v128.load(x);
        const e = gauss(v);
        v128.store(out, f32x4.add(normalCdf(v, e), f32x4.mul(v, f32x4.mul(e, kc(K_INV_SQRT_2PI)))));
      }
      break;
    case SIGMOID:
      for (; x < end; x += 16, out += 16) v128.store(out, sigmoid(v128.load(x)));
      break;
    default:
      for (; x < end; x += 16, out += 16) v128.store(out, tanh(v128.load(x)));
      break;
  }
}

/**
 * LSTM's pointwise step over `rows` rows (hidden a multiple of 4; all arrays contiguous float32): pre-activation
 * gates xg + hg (+ bias when `bias` ≠ 0) [rows, 4H] in the order i, f, g, o, and c [rows, H] give acts
 * (σ(i), σ(f), tanh(g), σ(o)), c' = σ(f)·c + σ(i)·tanh(g), tanh(c') and h = σ(o)·tanh(c').
 */
export function lstmCellF32(xg: usize, hg: usize, bias: usize, c: usize, rows: i32, hidden: i32, acts: usize, cOut: usize, tanhC: usize, h: usize): void {
  const hb = <usize>hidden << 2;
  for (let r = 0; r < rows; r++) {
    const g0 = <usize>r * 4 * hb, c0 = <usize>r * hb;
    for (let j: usize = 0; j < hb; j += 16) {
      let pi = f32x4.add(v128.load(xg + g0 + j), v128.load(hg + g0 + j));
      let pf = f32x4.add(v128.load(xg + g0 + hb + j), v128.load(hg + g0 + hb + j));
      let pg = f32x4.add(v128.load(xg + g0 + 2 * hb + j), v128.load(hg + g0 + 2 * hb + j));
      let po = f32x4.add(v128.load(xg + g0 + 3 * hb + j), v128.load(hg + g0 + 3 * hb + j));
      if (bias) {
        pi = f32x4.add(pi, v128.load(bias + j));
        pf = f32x4.add(pf, v128.load(bias + hb + j));
        pg = f32x4.add(pg, v128.load(bias + 2 * hb + j));
        po = f32x4.add(po, v128.load(bias + 3 * hb + j));
      }
      const i = sigmoid(pi), f = sigmoid(pf), g = tanh(pg), o = sigmoid(po);
      v128.store(acts + g0 + j, i);
      v128.store(acts + g0 + hb + j, f);
      v128.store(acts + g0 + 2 * hb + j, g);
      v128.store(acts + g0 + 3 * hb + j, o);
      const cc = f32x4.add(f32x4.mul(f, v128.load(c + c0 + j)), f32x4.mul(i, g));
      const t = tanh(cc);
      v128.store(cOut + c0 + j, cc);
      v128.store(tanhC + c0 + j, t);
      v128.store(h + c0 + j, f32x4.mul(o, t));
    }
  }
}

/**
 * The adjoint of lstmCellF32 (see the JS reference lstmCellBackward): dGates [rows, 4H] and dcPrev [rows, H].
 * 1 − t² is formed as (1 − t)(1 + t): for |t| near 1, t·t rounded to float32 would lose the digits of the difference.
 */
export function lstmCellBackwardF32(acts: usize, c: usize, tanhC: usize, dh: usize, dc: usize, rows: i32, hidden: i32, dGates: usize, dcPrev: usize): void {
  const hb = <usize>hidden << 2;
  const one = f32x4.splat(1);
  for (let r = 0; r < rows; r++) {
    const g0 = <usize>r * 4 * hb, c0 = <usize>r * hb;
    for (let j: usize = 0; j < hb; j += 16) {
      const i = v128.load(acts + g0 + j), f = v128.load(acts + g0 + hb + j);
      const g = v128.load(acts + g0 + 2 * hb + j), o = v128.load(acts + g0 + 3 * hb + j);
      const t = v128.load(tanhC + c0 + j), d = v128.load(dh + c0 + j);
      const dcc = f32x4.add(v128.load(dc + c0 + j), f32x4.mul(f32x4.mul(d, o), f32x4.mul(f32x4.sub(one, t), f32x4.add(one, t))));
      v128.store(dGates + g0 + j, f32x4.mul(f32x4.mul(f32x4.mul(dcc, g), i), f32x4.sub(one, i)));
      v128.store(dGates + g0 + hb + j, f32x4.mul(f32x4.mul(f32x4.mul(dcc, v128.load(c + c0 + j)), f), f32x4.sub(one, f)));
      v128.store(dGates + g0 + 2 * hb + j, f32x4.mul(f32x4.mul(dcc, i), f32x4.mul(f32x4.sub(one, g), f32x4.add(one, g))));
      v128.store(dGates + g0 + 3 * hb + j, f32x4.mul(f32x4.mul(f32x4.mul(d, t), o), f32x4.sub(one, o)));
      v128.store(dcPrev + c0 + j, f32x4.mul(dcc, f));
    }
  }
}
