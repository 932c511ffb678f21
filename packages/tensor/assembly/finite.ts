// Whether a run of floats is all finite, for the NaN guard: a value is NaN or ±Inf exactly when its exponent
// bits are all ones, so each lane is one and, one compare and one or; no float arithmetic, no branch per lane.

export function allFiniteF32(x: usize, n: i32): i32 {
  const mask = i32x4.splat(0x7f800000);
  let a0 = i32x4.splat(0), a1 = i32x4.splat(0);
  const end = x + (<usize>n << 2);
  let p = x;
  for (; p + 32 <= end; p += 32) {
    a0 = v128.or(a0, i32x4.eq(v128.and(v128.load(p), mask), mask));
    a1 = v128.or(a1, i32x4.eq(v128.and(v128.load(p, 16), mask), mask));
  }
  let bad = v128.any_true(v128.or(a0, a1));
  for (; p < end; p += 4) if ((load<i32>(p) & 0x7f800000) == 0x7f800000) bad = true;
  return bad ? 0 : 1;
}

export function allFiniteF64(x: usize, n: i32): i32 {
  const mask = i64x2.splat(0x7ff0000000000000);
  let a0 = i64x2.splat(0), a1 = i64x2.splat(0);
  const end = x + (<usize>n << 3);
  let p = x;
  for (; p + 32 <= end; p += 32) {
    a0 = v128.or(a0, i64x2.eq(v128.and(v128.load(p), mask), mask));
    a1 = v128.or(a1, i64x2.eq(v128.and(v128.load(p, 16), mask), mask));
  }
  let bad = v128.any_true(v128.or(a0, a1));
  for (; p < end; p += 8) if ((load<i64>(p) & 0x7ff0000000000000) == 0x7ff0000000000000) bad = true;
  return bad ? 0 : 1;
}
