// Elementwise kernels over contiguous float32/float64 runs of n elements; the binary ones over `rows` such
// runs whose inputs start `ars`/`brs` elements apart (0: the same row, as a broadcast bias is) and whose
// output rows are contiguous. An input with step 0 is one scalar broadcast along the row. Buffers are
// padded by the caller to whole 16-element blocks, so the loops run over whole vectors with no scalar
// tail: a row's overrun lands on the start of the next row, which is written after it, or on the padding. Every result
// equals the JS reference kernel's: one IEEE operation rounds the same in float32 as in float64 then
// float32, and max/min/relu pick their operand by the reference's own comparisons.

// Op codes, in the order of the JS side's tables (src/backend/wasm/elementwise.ts).
const NEG = 0, ABS = 1, SQRT = 2, SQUARE = 3, RECIPROCAL = 4, RELU = 5, LEAKY_RELU = 6, CLAMP = 7;
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAXIMUM = 4, MINIMUM = 5, RELU_GRAD = 6;
const EQ = 0, NE = 1, LT = 2, LE = 3, GT = 4, GE = 5;

@inline function splat<T>(x: f64): v128 {
  if (sizeof<T>() == 4) return f32x4.splat(<f32>x);
  return f64x2.splat(x);
}
@inline function vadd<T>(a: v128, b: v128): v128 { if (sizeof<T>() == 4) return f32x4.add(a, b); return f64x2.add(a, b); }
@inline function vsub<T>(a: v128, b: v128): v128 { if (sizeof<T>() == 4) return f32x4.sub(a, b); return f64x2.sub(a, b); }
@inline function vmul<T>(a: v128, b: v128): v128 { if (sizeof<T>() == 4) return f32x4.mul(a, b); return f64x2.mul(a, b); }
@inline function vdiv<T>(a: v128, b: v128): v128 { if (sizeof<T>() == 4) return f32x4.div(a, b); return f64x2.div(a, b); }
@inline function vneg<T>(a: v128): v128 { if (sizeof<T>() == 4) return f32x4.neg(a); return f64x2.neg(a); }
@inline function vabs<T>(a: v128): v128 { if (sizeof<T>() == 4) return f32x4.abs(a); return f64x2.abs(a); }
@inline function vsqrt<T>(a: v128): v128 { if (sizeof<T>() == 4) return f32x4.sqrt(a); return f64x2.sqrt(a); }
@inline function veq<T>(a: v128, b: v128): v128 { if (sizeof<T>() == 4) return f32x4.eq(a, b); return f64x2.eq(a, b); }
@inline function vne<T>(a: v128, b: v128): v128 { if (sizeof<T>() == 4) return f32x4.ne(a, b); return f64x2.ne(a, b); }
@inline function vlt<T>(a: v128, b: v128): v128 { if (sizeof<T>() == 4) return f32x4.lt(a, b); return f64x2.lt(a, b); }
@inline function vle<T>(a: v128, b: v128): v128 { if (sizeof<T>() == 4) return f32x4.le(a, b); return f64x2.le(a, b); }
@inline function vgt<T>(a: v128, b: v128): v128 { if (sizeof<T>() == 4) return f32x4.gt(a, b); return f64x2.gt(a, b); }
@inline function vge<T>(a: v128, b: v128): v128 { if (sizeof<T>() == 4) return f32x4.ge(a, b); return f64x2.ge(a, b); }
/** The reference's pick: x where the mask is set, else y. */
@inline function pick(x: v128, y: v128, mask: v128): v128 { return v128.bitselect(x, y, mask); }

function unary<T>(op: i32, x: usize, out: usize, n: i32, p: f64, q: f64): void {
  const end = x + <usize>n * sizeof<T>();
  const zero = splat<T>(0), vp = splat<T>(p), vq = splat<T>(q);
  for (; x < end; x += 16, out += 16) {
    const v = v128.load(x);
    let r: v128;
    switch (op) {
      case NEG: r = vneg<T>(v); break;
      case ABS: r = vabs<T>(v); break;
      case SQRT: r = vsqrt<T>(v); break;
      case SQUARE: r = vmul<T>(v, v); break;
      case RECIPROCAL: r = vdiv<T>(splat<T>(1), v); break;
      // v > 0 ? v : v !== v ? v : 0
      case RELU: r = pick(v, zero, v128.or(vgt<T>(v, zero), vne<T>(v, v))); break;
      // v > 0 ? v : v·p
      case LEAKY_RELU: r = pick(v, vmul<T>(v, vp), vgt<T>(v, zero)); break;
      // v < p ? p : v > q ? q : v
      default: r = pick(vp, pick(vq, v, vgt<T>(v, vq)), vlt<T>(v, vp)); break;
    }
    v128.store(out, r);
  }
}

function binaryRow<T>(op: i32, a: usize, aStep: i32, b: usize, bStep: i32, out: usize, n: i32): void {
  const end = out + <usize>n * sizeof<T>();
  const ai = <usize>(aStep << 4), bi = <usize>(bStep << 4);
  const as = v128.load_splat<T>(a), bs = v128.load_splat<T>(b);
  for (; out < end; a += ai, b += bi, out += 16) {
    const x = aStep ? v128.load(a) : as;
    const y = bStep ? v128.load(b) : bs;
    let r: v128;
    switch (op) {
      case ADD: r = vadd<T>(x, y); break;
      case SUB: r = vsub<T>(x, y); break;
      case MUL: r = vmul<T>(x, y); break;
      case DIV: r = vdiv<T>(x, y); break;
      // x > y || x !== x ? x : y (NaN propagates)
      case MAXIMUM: r = pick(x, y, v128.or(vgt<T>(x, y), vne<T>(x, x))); break;
      // y > 0 ? x : 0 (relu's backward)
      case RELU_GRAD: r = v128.and(x, vgt<T>(y, i64x2.splat(0))); break;
      default: r = pick(x, y, v128.or(vlt<T>(x, y), vne<T>(x, x))); break;
    }
    v128.store(out, r);
  }
}

@inline function compareMask<T>(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case EQ: return veq<T>(x, y);
    case NE: return vne<T>(x, y);
    case LT: return vlt<T>(x, y);
    case LE: return vle<T>(x, y);
    case GT: return vgt<T>(x, y);
    default: return vge<T>(x, y);
  }
}

/** 0/1 bytes: each 16 outputs are the masks of 16 / lanes vectors narrowed to bytes. */
function compareRow<T>(op: i32, a: usize, aStep: i32, b: usize, bStep: i32, out: usize, n: i32): void {
  const end = out + <usize>n;
  const ai = <usize>(aStep << 4), bi = <usize>(bStep << 4);
  const as = v128.load_splat<T>(a), bs = v128.load_splat<T>(b);
  const one = i8x16.splat(1);
  for (; out < end; out += 16) {
    let w0: v128, w1: v128, w2: v128, w3: v128;
    if (sizeof<T>() == 4) {
      w0 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      w1 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      w2 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      w3 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
    } else {
      // two f64 masks (64-bit lanes of all ones or zeros) → one vector of four 32-bit lanes
      let u0 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      let u1 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      w0 = v128.shuffle<i32>(u0, u1, 0, 2, 4, 6);
      u0 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      u1 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      w1 = v128.shuffle<i32>(u0, u1, 0, 2, 4, 6);
      u0 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      u1 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      w2 = v128.shuffle<i32>(u0, u1, 0, 2, 4, 6);
      u0 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      u1 = compareMask<T>(op, aStep ? v128.load(a) : as, bStep ? v128.load(b) : bs); a += ai; b += bi;
      w3 = v128.shuffle<i32>(u0, u1, 0, 2, 4, 6);
    }
    const bytes = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(w0, w1), i16x8.narrow_i32x4_s(w2, w3));
    v128.store(out, v128.and(bytes, one));
  }
}

/** Bytes (bool) to floats: 0 → 0, anything else → 1 (a bool tensor only holds 0 and 1). */
function fromBool<T>(src: usize, out: usize, n: i32): void {
  const end = src + <usize>n;
  for (; src < end; src += 16) {
    const b = v128.load(src);
    const lo = i16x8.extend_low_i8x16_u(b), hi = i16x8.extend_high_i8x16_u(b);
    const q0 = i32x4.extend_low_i16x8_u(lo), q1 = i32x4.extend_high_i16x8_u(lo);
    const q2 = i32x4.extend_low_i16x8_u(hi), q3 = i32x4.extend_high_i16x8_u(hi);
    if (sizeof<T>() == 4) {
      v128.store(out, f32x4.convert_i32x4_u(q0));
      v128.store(out, f32x4.convert_i32x4_u(q1), 16);
      v128.store(out, f32x4.convert_i32x4_u(q2), 32);
      v128.store(out, f32x4.convert_i32x4_u(q3), 48);
      out += 64;
    } else {
      v128.store(out, f64x2.convert_low_i32x4_u(q0));
      v128.store(out, f64x2.convert_low_i32x4_u(v128.shuffle<i32>(q0, q0, 2, 3, 2, 3)), 16);
      v128.store(out, f64x2.convert_low_i32x4_u(q1), 32);
      v128.store(out, f64x2.convert_low_i32x4_u(v128.shuffle<i32>(q1, q1, 2, 3, 2, 3)), 48);
      v128.store(out, f64x2.convert_low_i32x4_u(q2), 64);
      v128.store(out, f64x2.convert_low_i32x4_u(v128.shuffle<i32>(q2, q2, 2, 3, 2, 3)), 80);
      v128.store(out, f64x2.convert_low_i32x4_u(q3), 96);
      v128.store(out, f64x2.convert_low_i32x4_u(v128.shuffle<i32>(q3, q3, 2, 3, 2, 3)), 112);
      out += 128;
    }
  }
}

export function unaryF32(op: i32, x: usize, out: usize, n: i32, p: f64, q: f64): void { unary<f32>(op, x, out, n, p, q); }
export function unaryF64(op: i32, x: usize, out: usize, n: i32, p: f64, q: f64): void { unary<f64>(op, x, out, n, p, q); }
function binary<T>(op: i32, rows: i32, n: i32, a: usize, ars: i32, aStep: i32, b: usize, brs: i32, bStep: i32, out: usize): void {
  const size = <usize>sizeof<T>();
  for (let r = 0; r < rows; r++) {
    binaryRow<T>(op, a + <usize>(r * ars) * size, aStep, b + <usize>(r * brs) * size, bStep, out + <usize>(r * n) * size, n);
  }
}

function compare<T>(op: i32, rows: i32, n: i32, a: usize, ars: i32, aStep: i32, b: usize, brs: i32, bStep: i32, out: usize): void {
  const size = <usize>sizeof<T>();
  for (let r = 0; r < rows; r++) {
    compareRow<T>(op, a + <usize>(r * ars) * size, aStep, b + <usize>(r * brs) * size, bStep, out + <usize>(r * n), n);
  }
}

export function binaryF32(op: i32, rows: i32, n: i32, a: usize, ars: i32, aStep: i32, b: usize, brs: i32, bStep: i32, out: usize): void {
  binary<f32>(op, rows, n, a, ars, aStep, b, brs, bStep, out);
}
export function binaryF64(op: i32, rows: i32, n: i32, a: usize, ars: i32, aStep: i32, b: usize, brs: i32, bStep: i32, out: usize): void {
  binary<f64>(op, rows, n, a, ars, aStep, b, brs, bStep, out);
}
export function compareF32(op: i32, rows: i32, n: i32, a: usize, ars: i32, aStep: i32, b: usize, brs: i32, bStep: i32, out: usize): void {
  compare<f32>(op, rows, n, a, ars, aStep, b, brs, bStep, out);
}
export function compareF64(op: i32, rows: i32, n: i32, a: usize, ars: i32, aStep: i32, b: usize, brs: i32, bStep: i32, out: usize): void {
  compare<f64>(op, rows, n, a, ars, aStep, b, brs, bStep, out);
}
export function boolToF32(src: usize, out: usize, n: i32): void { fromBool<f32>(src, out, n); }
export function boolToF64(src: usize, out: usize, n: i32): void { fromBool<f64>(src, out, n); }
