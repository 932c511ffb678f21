// A strided copy of elements of 4 or 8 bytes (float32, int32, float64) between two places in linear memory:
// dst[i0, i1, i2, i3] = src[i0, i1, i2, i3] over dims n0…n3 (leading ones 1 for fewer), with each view's
// byte strides. A bitwise copy: no conversion, so NaN payloads and -0 pass unchanged. The innermost dim,
// when both views step one element along it, is copied in 16-byte vectors (attention's heads: rows of 32
// floats of a permuted [N, L, H, D]); otherwise element by element. The caller guarantees the two views do
// not overlap.

@inline function row(size: i32, n: i32, src: usize, ss: i32, dst: usize, ds: i32): void {
  if (ss == size && ds == size) {
    const bytes = <usize>(n * size);
    const whole = bytes & ~(<usize>15);
    let i: usize = 0;
    for (; i < whole; i += 16) v128.store(dst + i, v128.load(src + i));
    if (size == 4) for (; i < bytes; i += 4) store<u32>(dst + i, load<u32>(src + i));
    else for (; i < bytes; i += 8) store<u64>(dst + i, load<u64>(src + i));
    return;
  }
  if (size == 4) {
    for (let i = 0; i < n; i++, src += <usize>ss, dst += <usize>ds) store<u32>(dst, load<u32>(src));
  } else {
    for (let i = 0; i < n; i++, src += <usize>ss, dst += <usize>ds) store<u64>(dst, load<u64>(src));
  }
}

export function copyStrided(size: i32, n0: i32, n1: i32, n2: i32, n3: i32,
  s0: i32, s1: i32, s2: i32, s3: i32, d0: i32, d1: i32, d2: i32, d3: i32, src: usize, dst: usize): void {
  for (let a = 0; a < n0; a++) {
    const sa = src + <usize>(a * s0), da = dst + <usize>(a * d0);
    for (let b = 0; b < n1; b++) {
      const sb = sa + <usize>(b * s1), db = da + <usize>(b * d1);
      for (let c = 0; c < n2; c++) {
        if (size == 4) row(4, n3, sb + <usize>(c * s2), s3, db + <usize>(c * d2), d3);
        else row(8, n3, sb + <usize>(c * s2), s3, db + <usize>(c * d2), d3);
      }
    }
  }
}
