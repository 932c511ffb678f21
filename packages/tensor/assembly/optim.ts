// Adam for float32 (no amsgrad), four lanes at a time: the bias corrections folded into lr/bc1 and 1/√bc2
// as in the JS kernel's float32 loop, so an element costs one square root and one division. The caller
// stages θ, g, m and v as contiguous runs, each followed by a spare 16-byte block for the last vector.

export function adamF32(p: usize, g: usize, m: usize, v: usize, n: i32,
  decay1: f32, decay2: f32, c1: f32, c2: f32, lrBc1: f32, invSqrtBc2: f32, eps: f32, scale: f32, wd: f32): void {
  const d1 = f32x4.splat(decay1), d2 = f32x4.splat(decay2), k1 = f32x4.splat(c1), k2 = f32x4.splat(c2);
  const a = f32x4.splat(lrBc1), r = f32x4.splat(invSqrtBc2), e = f32x4.splat(eps), s = f32x4.splat(scale), w = f32x4.splat(wd);
  const l2 = wd != 0;
  const end = p + (<usize>n << 2);
  for (; p < end; p += 16, g += 16, m += 16, v += 16) {
    const pi = v128.load(p);
    let gi = v128.load(g);
    if (l2) gi = f32x4.add(gi, f32x4.mul(pi, w));
    const mi = f32x4.add(f32x4.mul(v128.load(m), d1), f32x4.mul(gi, k1));
    const vi = f32x4.add(f32x4.mul(v128.load(v), d2), f32x4.mul(f32x4.mul(gi, gi), k2));
    v128.store(m, mi);
    v128.store(v, vi);
    v128.store(p, f32x4.sub(f32x4.mul(pi, s), f32x4.div(f32x4.mul(a, mi), f32x4.add(f32x4.mul(f32x4.sqrt(vi), r), e))));
  }
}
