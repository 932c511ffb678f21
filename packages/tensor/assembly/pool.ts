// Max pooling for float32 and float64 with the JS reference's semantics: the first maximum of each window
// wins, a NaN wins and sticks, and `indices` gets its flat index iy·w + ix within the input plane. Windows
// are clipped to the image first, so no tap is bounds-checked. For float32 rows with unit column stride
// and pooling stride 1 or 2, the windows that lie wholly inside the row are done four at a time with
// lane masks; the rest keeps a running maximum with selects.

/** The first tap k with o0 + k·d ≥ 0 (no division for the usual d = 1). */
@inline function tapsLo(o0: i32, d: i32): i32 {
  if (o0 >= 0) return 0;
  return d == 1 ? -o0 : (d - 1 - o0) / d;
}

/** One past the last of the first `k` taps with o0 + k·d < size. */
@inline function tapsHi(o0: i32, d: i32, size: i32, k: i32): i32 {
  if (o0 >= size) return 0;
  return min(k, d == 1 ? size - o0 : (size - 1 - o0) / d + 1);
}

/** One window: taps ky in [kyLo, kyHi) from row y0, columns from x0. */
@inline function maxWindow<T>(base: usize, sy: i32, sx: i32, w: i32, y0: i32, kyLo: i32, kyHi: i32, dh: i32,
  x0: i32, kw: i32, dw: i32, out: usize, indices: usize): void {
  const size = <usize>sizeof<T>();
  const kxLo = tapsLo(x0, dw);
  const kxHi = tapsHi(x0, dw, w, kw);
  let best: T = <T>-Infinity;
  let bestIdx = -1;
  for (let ky = kyLo; ky < kyHi; ky++) {
    const iy = y0 + ky * dh;
    const row = base + <usize>(iy * sy) * size;
    for (let kx = kxLo; kx < kxHi; kx++) {
      const ix = x0 + kx * dw;
      const v = load<T>(row + <usize>(ix * sx) * size);
      const take = (bestIdx < 0) | (v > best) | ((v != v) & (best == best));
      best = select<T>(v, best, take);
      bestIdx = select<i32>(iy * w + ix, bestIdx, take);
    }
  }
  store<T>(out, best);
  store<i32>(indices, bestIdx);
}

/** Four float32 windows starting at columns x0, x0 + sw, x0 + 2sw, x0 + 3sw, each wholly inside the row. */
@inline function maxWindows4(base: usize, sy: i32, w: i32, y0: i32, kyLo: i32, kyHi: i32, dh: i32,
  x0: i32, sw: i32, kw: i32, dw: i32, out: usize, indices: usize): void {
  const lanes = i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(sw));
  let best = f32x4.splat(-Infinity);
  let bestIdx = i32x4.splat(-1);
  for (let ky = kyLo; ky < kyHi; ky++) {
    const iy = y0 + ky * dh;
    const row = base + <usize>(iy * sy << 2);
    for (let kx = 0; kx < kw; kx++) {
      const ix = x0 + kx * dw;
      const p = row + <usize>(ix << 2);
      const v = sw == 1 ? v128.load(p) : v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
      const take = v128.or(
        v128.or(i32x4.lt_s(bestIdx, i32x4.splat(0)), f32x4.gt(v, best)),
        v128.and(f32x4.ne(v, v), f32x4.eq(best, best)),
      );
      best = v128.bitselect(v, best, take);
      bestIdx = v128.bitselect(i32x4.add(i32x4.splat(iy * w + ix), lanes), bestIdx, take);
    }
  }
  v128.store(out, best);
  v128.store(indices, bestIdx);
}

function maxPool<T>(x: usize, sn: i32, sc: i32, sy: i32, sx: i32, n: i32, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
  out: usize, indices: usize): void {
  const size = <usize>sizeof<T>();
  const vector = sizeof<T>() == 4 && sx == 1 && (sw == 1 || sw == 2);
  // Output columns whose windows lie wholly inside the row: x0 ≥ 0 and x0 + (kw − 1)·dw ≤ w − 1.
  const oxA = min(ow, (pw + sw - 1) / sw);
  const last = w - 1 - (kw - 1) * dw + pw;
  const oxB = max(oxA, last < 0 ? 0 : min(ow, last / sw + 1));
  for (let plane = 0; plane < n * c; plane++) {
    const base = x + <usize>((plane / c) * sn + (plane % c) * sc) * size;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - ph;
      const kyLo = tapsLo(y0, dh);
      const kyHi = tapsHi(y0, dh, h, kh);
      let ox = 0;
      if (vector) {
        for (; ox < oxA; ox++, out += size, indices += 4) maxWindow<T>(base, sy, sx, w, y0, kyLo, kyHi, dh, ox * sw - pw, kw, dw, out, indices);
        for (; ox + 4 <= oxB; ox += 4, out += 16, indices += 16) maxWindows4(base, sy, w, y0, kyLo, kyHi, dh, ox * sw - pw, sw, kw, dw, out, indices);
      }
      for (; ox < ow; ox++, out += size, indices += 4) maxWindow<T>(base, sy, sx, w, y0, kyLo, kyHi, dh, ox * sw - pw, kw, dw, out, indices);
    }
  }
}

export function maxPoolF32(x: usize, sn: i32, sc: i32, sy: i32, sx: i32, n: i32, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, out: usize, indices: usize): void {
  maxPool<f32>(x, sn, sc, sy, sx, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out, indices);
}
export function maxPoolF64(x: usize, sn: i32, sc: i32, sy: i32, sx: i32, n: i32, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, out: usize, indices: usize): void {
  maxPool<f64>(x, sn, sc, sy, sx, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out, indices);
}
