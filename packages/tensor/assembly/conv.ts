// im2col and its adjoint col2im for float32 and float64 (the `Conv2dGeometry` of src/backend/backend.ts).
// Per (channel, ky, kx, output row) the valid output columns form one range, so each row is a zero-filled
// head, a copied (or accumulated) run and a zero-filled tail; with unit strides the run is a SIMD copy.

/** The output columns ox in [lo, hi) whose input column ox·sw − pw + off lies in [0, w). */
@inline function validLo(off: i32, sw: i32, pw: i32): i32 {
  const t = pw - off;
  return t <= 0 ? 0 : (t + sw - 1) / sw;
}
@inline function validHi(off: i32, sw: i32, pw: i32, w: i32, ow: i32): i32 {
  const t = w - 1 + pw - off;
  return t < 0 ? 0 : min(ow, t / sw + 1);
}

@inline function zero(dst: usize, bytes: usize): void {
  const end = dst + bytes;
  for (; dst + 16 <= end; dst += 16) v128.store(dst, i64x2.splat(0));
  for (; dst < end; dst += 4) store<u32>(dst, 0);
}

@inline function copyRun(dst: usize, src: usize, bytes: usize): void {
  const end = dst + bytes;
  for (; dst + 16 <= end; dst += 16, src += 16) v128.store(dst, v128.load(src));
  for (; dst < end; dst += 4, src += 4) store<u32>(dst, load<u32>(src));
}

function im2col<T>(x: usize, sn: i32, sc: i32, sy: i32, sx: i32, n: i32, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, out: usize): void {
  const size = <usize>sizeof<T>();
  const rowBytes = <usize>ow * size;
  let o = out;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x + <usize>(b * sn + ch * sc) * size;
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const off = kx * dw;
          const lo = min(ow, validLo(off, sw, pw));
          const hi = max(lo, validHi(off, sw, pw, w, ow));
          for (let oy = 0; oy < oh; oy++, o += rowBytes) {
            const iy = oy * sh - ph + ky * dh;
            if (iy < 0 || iy >= h) {
              zero(o, rowBytes);
              continue;
            }
            zero(o, <usize>lo * size);
            const src = base + <usize>(iy * sy + (lo * sw - pw + off) * sx) * size;
            if (sw == 1 && sx == 1) {
              copyRun(o + <usize>lo * size, src, <usize>(hi - lo) * size);
            } else {
              const step = <usize>(sw * sx) * size;
              let s = src;
              for (let ox = lo; ox < hi; ox++, s += step) store<T>(o + <usize>ox * size, load<T>(s));
            }
            zero(o + <usize>hi * size, <usize>(ow - hi) * size);
          }
        }
      }
    }
  }
}

/** out (contiguous [n, c, h, w]) += the columns folded back: the adjoint of im2col. */
function col2im<T>(cols: usize, n: i32, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, out: usize): void {
  const size = <usize>sizeof<T>();
  const rowBytes = <usize>ow * size;
  let p = cols;
  for (let plane = 0; plane < n * c; plane++) {
    const base = out + <usize>(plane * h * w) * size;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const off = kx * dw;
        const lo = min(ow, validLo(off, sw, pw));
        const hi = max(lo, validHi(off, sw, pw, w, ow));
        for (let oy = 0; oy < oh; oy++, p += rowBytes) {
          const iy = oy * sh - ph + ky * dh;
          if (iy < 0 || iy >= h) continue;
          let d = base + <usize>(iy * w + lo * sw - pw + off) * size;
          let s = p + <usize>lo * size;
          const end = p + <usize>hi * size;
          if (sw == 1) {
            if (sizeof<T>() == 4) for (; s + 16 <= end; s += 16, d += 16) v128.store(d, f32x4.add(v128.load(d), v128.load(s)));
            else for (; s + 16 <= end; s += 16, d += 16) v128.store(d, f64x2.add(v128.load(d), v128.load(s)));
          }
          const step = <usize>sw * size;
          for (; s < end; s += size, d += step) store<T>(d, load<T>(d) + load<T>(s));
        }
      }
    }
  }
}

export function im2colF32(x: usize, sn: i32, sc: i32, sy: i32, sx: i32, n: i32, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, out: usize): void {
  im2col<f32>(x, sn, sc, sy, sx, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out);
}
export function im2colF64(x: usize, sn: i32, sc: i32, sy: i32, sx: i32, n: i32, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, out: usize): void {
  im2col<f64>(x, sn, sc, sy, sx, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out);
}
export function col2imF32(cols: usize, n: i32, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, out: usize): void {
  col2im<f32>(cols, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out);
}
export function col2imF64(cols: usize, n: i32, c: i32, h: i32, w: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32, out: usize): void {
  col2im<f64>(cols, n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out);
}
