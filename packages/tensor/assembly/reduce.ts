// Sums over the trailing dims of a float32/float64 view, accumulated in float64 as the JS reference does.
// Two shapes cover the common reductions: `sumCols` for a unit-stride leading dim (a bias or weight
// gradient summed over the batch) runs across outputs in vector lanes and adds each output's terms in the
// reference's order, so it is exact; `sumRows` for contiguous reduced runs keeps two f64x2 partial sums.
// The caller leaves a spare 16-element block after each buffer for the whole-vector loops.

/** out[i] = Σ over (r, s) of x[i + r·rs + s·ss], for i < lead (unit stride), r < nr, s < ns. */
function sumCols<T>(x: usize, lead: i32, nr: i32, rs: i32, ns: i32, ss: i32, out: usize): void {
  const size = <usize>sizeof<T>();
  const rb = <usize>rs * size, sb = <usize>ss * size;
  for (let i = 0; i < lead; i += 4, x += 4 * size, out += 4 * size) {
    let lo = f64x2.splat(0), hi = f64x2.splat(0);
    let pr = x;
    for (let r = 0; r < nr; r++, pr += rb) {
      let p = pr;
      for (let s = 0; s < ns; s++, p += sb) {
        if (sizeof<T>() == 4) {
          const v = v128.load(p);
          lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
          hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)));
        } else {
          lo = f64x2.add(lo, v128.load(p));
          hi = f64x2.add(hi, v128.load(p, 16));
        }
      }
    }
    if (sizeof<T>() == 4) {
      v128.store(out, v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
    } else {
      v128.store(out, lo);
      v128.store(out, hi, 16);
    }
  }
}

/** out[i] = Σ over r < nr of the contiguous run x[i·ls + r·rs + (0 … n)], for i < lead. */
function sumRows<T>(x: usize, lead: i32, ls: i32, nr: i32, rs: i32, n: i32, out: usize): void {
  const size = <usize>sizeof<T>();
  for (let i = 0; i < lead; i++) {
    let a = f64x2.splat(0), b = f64x2.splat(0);
    let tail: f64 = 0;
    for (let r = 0; r < nr; r++) {
      let p = x + <usize>(i * ls + r * rs) * size;
      const end = p + <usize>n * size;
      if (sizeof<T>() == 4) {
        for (; p + 16 <= end; p += 16) {
          const v = v128.load(p);
          a = f64x2.add(a, f64x2.promote_low_f32x4(v));
          b = f64x2.add(b, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3)));
        }
      } else {
        for (; p + 32 <= end; p += 32) {
          a = f64x2.add(a, v128.load(p));
          b = f64x2.add(b, v128.load(p, 16));
        }
      }
      for (; p < end; p += size) tail += <f64>load<T>(p);
    }
    const s = f64x2.add(a, b);
    store<T>(out + <usize>i * size, <T>(f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1) + tail));
  }
}

export function sumColsF32(x: usize, lead: i32, nr: i32, rs: i32, ns: i32, ss: i32, out: usize): void { sumCols<f32>(x, lead, nr, rs, ns, ss, out); }
export function sumColsF64(x: usize, lead: i32, nr: i32, rs: i32, ns: i32, ss: i32, out: usize): void { sumCols<f64>(x, lead, nr, rs, ns, ss, out); }
export function sumRowsF32(x: usize, lead: i32, ls: i32, nr: i32, rs: i32, n: i32, out: usize): void { sumRows<f32>(x, lead, ls, nr, rs, n, out); }
export function sumRowsF64(x: usize, lead: i32, ls: i32, nr: i32, rs: i32, n: i32, out: usize): void { sumRows<f64>(x, lead, ls, nr, rs, n, out); }
