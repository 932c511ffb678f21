// Direct float32 convolution for few input channels, where im2col + GEMM spends as long copying the
// columns and packing them as multiplying (LeNet's first layer: C = 1, K = 25). Each sample is first copied
// into a zero-padded plane per channel, its columns split by phase (column mod the stride) so that every
// kernel tap reads a contiguous run of the output row's inputs; then
//   convDirectF32      out[b, o] = Σ_k w[o, k] · window_k(x[b]), 4 output channels × 8 output columns in
//                      registers, so each input vector loaded serves 4 channels;
//   convDirectWgradF32 part[b, o, k] = Σ_(oy, ox) g[b, o, oy, ox] · window_k(x[b]), 2 × 4 (o, k) pairs in
//                      registers, the 4 lanes added in a fixed order at the end of each sample.
// The input gradient of a stride-1 convolution is convDirectF32 on the output gradient with the kernel
// flipped and transposed (the weight strides say so), so it needs no kernel of its own.
//
// Both take a parameter block (i32, see P_*) and a range of samples: the caller splits the batch over
// threads by sample, and every output element is computed by one thread in one order, so the results do
// not depend on the thread count. Scratch (per thread) holds the padded sample and the tables; see
// convDirectScratch for its size.

// The parameter block: staged input (byte address, element strides), geometry, weights (byte address of
// element (0, 0, 0, 0) and element strides over (out channel, in channel, ky, kx)), output channels, output.
const P_X = 0, P_SN = 1, P_SC = 2, P_SY = 3, P_SX = 4, P_C = 5, P_H = 6, P_W = 7, P_KH = 8, P_KW = 9;
const P_SH = 10, P_SW = 11, P_PH = 12, P_PW = 13, P_DH = 14, P_DW = 15, P_OH = 16, P_OW = 17;
const P_WT = 18, P_WO = 19, P_WC = 20, P_WY = 21, P_WX = 22, P_M = 23, P_OUT = 24;
// For convDirectWgradF32 (which has no weights), the output gradient: byte address, element strides over
// (sample, channel, oy, ox).
const P_G = 25, P_GN = 26, P_GM = 27, P_GY = 28, P_GX = 29;
// 30 fields in all (PARAMS in src/backend/wasm/conv-direct.ts).

/** Spare elements after each padded row segment for the vector loops' reads past the last output column. */
const SLACK = 8;

@inline function par(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function madd(x: v128, y: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(x, y, acc);
  return f32x4.add(acc, f32x4.mul(x, y));
}

/** (l0 + l1) + (l2 + l3). */
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// The padded copy of one sample: per channel Hp = h + 2·ph rows of RS = sw·Wq elements; padded column col
// (input column col − pw) sits at (col mod sw)·Wq + col / sw within its row.
@inline function segLen(w: i32, pw: i32, sw: i32): i32 {
  return (w + 2 * pw + sw - 1) / sw + SLACK;
}

/** Bytes of scratch one thread needs (a multiple of 64). */
export function convDirectScratch(c: i32, h: i32, w: i32, kh: i32, kw: i32, sw: i32, ph: i32, pw: i32,
  oh: i32, ow: i32, m: i32, wgrad: i32): i32 {
  const K = c * kh * kw;
  const plane = (h + 2 * ph) * sw * segLen(w, pw, sw);
  let bytes = 128 + ((K + 8) << 2) + ((c * plane + SLACK) << 2);
  if (wgrad) bytes += (m * oh * ((ow + 3) & ~3)) << 2;
  else bytes += ((m + 3) >> 2) * K * 16;
  return (bytes + 63) & ~63;
}

/** Copies sample `x` (element strides sc, sy, sx) into the zeroed padded layout at `dst`. */
function padSample(x: usize, sc: i32, sy: i32, sx: i32, c: i32, h: i32, w: i32, ph: i32, pw: i32, sw: i32, dst: usize): void {
  const wq = segLen(w, pw, sw);
  const rs = sw * wq;
  const hp = h + 2 * ph;
  const wp = w + 2 * pw;
  const plane = hp * rs;
  const total = <usize>(c * plane + SLACK) << 2;
  for (let p: usize = 0; p + 16 <= total; p += 16) v128.store(dst + p, i64x2.splat(0));
  for (let p = total & ~15; p < total; p += 4) store<u32>(dst + p, 0);
  const y0 = max(0, -ph), y1 = min(h, hp - ph);
  const x0 = max(0, -pw), x1 = min(w, wp - pw);
  if (x1 <= x0) return;
  for (let ch = 0; ch < c; ch++) {
    for (let iy = y0; iy < y1; iy++) {
      const row = dst + (<usize>(ch * plane + (iy + ph) * rs) << 2);
      let s = x + (<usize>(ch * sc + iy * sy + x0 * sx) << 2);
      if (sw == 1 && sx == 1) {
        let d = row + (<usize>(x0 + pw) << 2);
        const end = d + (<usize>(x1 - x0) << 2);
        for (; d + 16 <= end; d += 16, s += 16) v128.store(d, v128.load(s));
        for (; d < end; d += 4, s += 4) store<f32>(d, load<f32>(s));
      } else {
        const step = <usize>sx << 2;
        let col = x0 + pw;
        let ph_ = col % sw, q = col / sw;
        for (let ix = x0; ix < x1; ix++, s += step) {
          store<f32>(row + (<usize>(ph_ * wq + q) << 2), load<f32>(s));
          if (++ph_ == sw) { ph_ = 0; q++; }
        }
      }
    }
  }
}

/** The element offset within a padded sample of each tap k = (ci, ky, kx), at the output's origin. */
function tapOffsets(c: i32, h: i32, w: i32, kh: i32, kw: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, dst: usize, pad: i32): void {
  const wq = segLen(w, pw, sw);
  const rs = sw * wq;
  const plane = (h + 2 * ph) * rs;
  let k = 0;
  for (let ch = 0; ch < c; ch++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++, k++) {
        const t = kx * dw;
        store<i32>(dst + (<usize>k << 2), ch * plane + ky * dh * rs + (t % sw) * wq + t / sw);
      }
    }
  }
  for (let i = 0; i < pad; i++, k++) store<i32>(dst + (<usize>k << 2), 0);
}

/** Forward: out[b] [m, oh·ow] (contiguous) for samples b in [b0, b0 + nb). */
export function convDirectF32(p: usize, b0: i32, nb: i32, scratch: usize): void {
  const x = <usize>par(p, P_X), sn = par(p, P_SN), sc = par(p, P_SC), sy = par(p, P_SY), sx = par(p, P_SX);
  const c = par(p, P_C), h = par(p, P_H), w = par(p, P_W), kh = par(p, P_KH), kw = par(p, P_KW);
  const sh = par(p, P_SH), sw = par(p, P_SW), ph = par(p, P_PH), pw = par(p, P_PW), dh = par(p, P_DH), dw = par(p, P_DW);
  const oh = par(p, P_OH), ow = par(p, P_OW), m = par(p, P_M);
  const K = c * kh * kw;
  const L = oh * ow;
  const rs = sw * segLen(w, pw, sw);
  const tile = scratch;
  const offs = tile + 128;
  const ws = offs + (<usize>(K + 8) << 2);
  const mBlocks = (m + 3) >> 2;
  const pad = ws + <usize>(mBlocks * K * 16);
  tapOffsets(c, h, w, kh, kw, sw, ph, pw, dh, dw, offs, 0);
  // Weights as [block][k][4 rows] (rows past m zero), each splat into a vector as the loop reads it.
  const wt = <usize>par(p, P_WT), wo = par(p, P_WO), wc = par(p, P_WC), wy = par(p, P_WY), wx = par(p, P_WX);
  for (let blk = 0; blk < mBlocks; blk++) {
    let k = 0;
    for (let ch = 0; ch < c; ch++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++, k++) {
          for (let j = 0; j < 4; j++) {
            const o = blk * 4 + j;
            const v: f32 = o < m ? load<f32>(<usize>(<isize>wt + (<isize>(o * wo + ch * wc + ky * wy + kx * wx) << 2))) : 0;
            store<f32>(ws + (<usize>((blk * K + k) * 4 + j) << 2), v);
          }
        }
      }
    }
  }
  const out = <usize>par(p, P_OUT);
  for (let b = b0; b < b0 + nb; b++) {
    padSample(x + (<usize>(b * sn) << 2), sc, sy, sx, c, h, w, ph, pw, sw, pad);
    for (let blk = 0; blk < mBlocks; blk++) {
      const wb = ws + <usize>(blk * K * 16);
      const rows = min(4, m - blk * 4);
      const ob = out + (<usize>((b * m + blk * 4) * L) << 2);
      for (let oy = 0; oy < oh; oy++) {
        const rowIn = pad + (<usize>(oy * sh * rs) << 2);
        for (let ox = 0; ox < ow; ox += 8) {
          const base = rowIn + (<usize>ox << 2);
          let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
          let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
          let wp = wb;
          let op = offs;
          for (let k = 0; k < K; k++, wp += 16, op += 4) {
            const src = base + (<usize>load<i32>(op) << 2);
            const v0 = v128.load(src), v1 = v128.load(src, 16);
            const w0 = v128.load32_splat(wp), w1 = v128.load32_splat(wp, 4), w2 = v128.load32_splat(wp, 8), w3 = v128.load32_splat(wp, 12);
            a00 = madd(v0, w0, a00); a01 = madd(v1, w0, a01);
            a10 = madd(v0, w1, a10); a11 = madd(v1, w1, a11);
            a20 = madd(v0, w2, a20); a21 = madd(v1, w2, a21);
            a30 = madd(v0, w3, a30); a31 = madd(v1, w3, a31);
          }
          const d = ob + (<usize>(oy * ow + ox) << 2);
          const lrow = <usize>L << 2;
          if (ox + 8 <= ow) {
            v128.store(d, a00); v128.store(d, a01, 16);
            if (rows > 1) { v128.store(d + lrow, a10); v128.store(d + lrow, a11, 16); }
            if (rows > 2) { v128.store(d + 2 * lrow, a20); v128.store(d + 2 * lrow, a21, 16); }
            if (rows > 3) { v128.store(d + 3 * lrow, a30); v128.store(d + 3 * lrow, a31, 16); }
          } else {
            // A partial block: through the tile, then the columns that exist.
            v128.store(tile, a00); v128.store(tile, a01, 16); v128.store(tile, a10, 32); v128.store(tile, a11, 48);
            v128.store(tile, a20, 64); v128.store(tile, a21, 80); v128.store(tile, a30, 96); v128.store(tile, a31, 112);
            const cols = ow - ox;
            for (let j = 0; j < rows; j++) {
              for (let i = 0; i < cols; i++) store<f32>(d + <usize>j * lrow + (<usize>i << 2), load<f32>(tile + (<usize>(j * 8 + i) << 2)));
            }
          }
        }
      }
    }
  }
}

/**
 * Weight gradient per sample: part[b] [m, K] (contiguous, samples m·K apart) for b in [b0, b0 + nb); the
 * caller sums the parts over the batch.
 */
export function convDirectWgradF32(p: usize, b0: i32, nb: i32, scratch: usize): void {
  const x = <usize>par(p, P_X), sn = par(p, P_SN), sc = par(p, P_SC), sy = par(p, P_SY), sx = par(p, P_SX);
  const c = par(p, P_C), h = par(p, P_H), w = par(p, P_W), kh = par(p, P_KH), kw = par(p, P_KW);
  const sh = par(p, P_SH), sw = par(p, P_SW), ph = par(p, P_PH), pw = par(p, P_PW), dh = par(p, P_DH), dw = par(p, P_DW);
  const oh = par(p, P_OH), ow = par(p, P_OW), m = par(p, P_M);
  const g = <usize>par(p, P_G), gn = par(p, P_GN), gm = par(p, P_GM), gy = par(p, P_GY), gx = par(p, P_GX);
  const K = c * kh * kw;
  const rs = sw * segLen(w, pw, sw);
  const owp = (ow + 3) & ~3;
  const full = ow & ~3;
  const rem = ow - full;
  const mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rem));
  const offs = scratch + 128;
  const pad = offs + (<usize>(K + 8) << 2);
  const gb = pad + (<usize>(c * ((h + 2 * ph) * rs) + SLACK) << 2);
  const kq = (K + 3) >> 2;
  tapOffsets(c, h, w, kh, kw, sw, ph, pw, dh, dw, offs, kq * 4 - K);
  const out = <usize>par(p, P_OUT);
  const gplane = <usize>(oh * owp) << 2;
  for (let b = b0; b < b0 + nb; b++) {
    padSample(x + (<usize>(b * sn) << 2), sc, sy, sx, c, h, w, ph, pw, sw, pad);
    // The sample's output gradient as [m, oh, owp], rows zero-padded to whole vectors.
    for (let o = 0; o < m; o++) {
      for (let oy = 0; oy < oh; oy++) {
        const d = gb + <usize>o * gplane + (<usize>(oy * owp) << 2);
        let s = g + (<usize>(b * gn + o * gm + oy * gy) << 2);
        const step = <usize>gx << 2;
        for (let ox = 0; ox < ow; ox++, s += step) store<f32>(d + (<usize>ox << 2), load<f32>(s));
        for (let ox = ow; ox < owp; ox++) store<f32>(d + (<usize>ox << 2), 0);
      }
    }
    const part = out + (<usize>(b * m * K) << 2);
    for (let o = 0; o < m; o += 2) {
      const g0 = gb + <usize>o * gplane;
      const two = o + 1 < m;
      const g1 = two ? g0 + gplane : g0;
      for (let q = 0; q < kq; q++) {
        const o0 = <usize>load<i32>(offs + (<usize>(q * 4) << 2)) << 2, o1 = <usize>load<i32>(offs + (<usize>(q * 4 + 1) << 2)) << 2;
        const o2 = <usize>load<i32>(offs + (<usize>(q * 4 + 2) << 2)) << 2, o3 = <usize>load<i32>(offs + (<usize>(q * 4 + 3) << 2)) << 2;
        let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0), a03 = f32x4.splat(0);
        let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0), a13 = f32x4.splat(0);
        for (let oy = 0; oy < oh; oy++) {
          const xr = pad + (<usize>(oy * sh * rs) << 2);
          const gr0 = g0 + (<usize>(oy * owp) << 2), gr1 = g1 + (<usize>(oy * owp) << 2);
          let ox = 0;
          for (; ox < full; ox += 4) {
            const e = <usize>ox << 2;
            const G0 = v128.load(gr0 + e), G1 = v128.load(gr1 + e);
            const xb = xr + e;
            let X = v128.load(xb + o0); a00 = madd(G0, X, a00); a10 = madd(G1, X, a10);
            X = v128.load(xb + o1); a01 = madd(G0, X, a01); a11 = madd(G1, X, a11);
            X = v128.load(xb + o2); a02 = madd(G0, X, a02); a12 = madd(G1, X, a12);
            X = v128.load(xb + o3); a03 = madd(G0, X, a03); a13 = madd(G1, X, a13);
          }
          if (rem) {
            // The inputs past the last column are real data (possibly ±Inf), so their lanes are masked.
            const e = <usize>ox << 2;
            const G0 = v128.load(gr0 + e), G1 = v128.load(gr1 + e);
            const xb = xr + e;
            let X = v128.and(v128.load(xb + o0), mask); a00 = madd(G0, X, a00); a10 = madd(G1, X, a10);
            X = v128.and(v128.load(xb + o1), mask); a01 = madd(G0, X, a01); a11 = madd(G1, X, a11);
            X = v128.and(v128.load(xb + o2), mask); a02 = madd(G0, X, a02); a12 = madd(G1, X, a12);
            X = v128.and(v128.load(xb + o3), mask); a03 = madd(G0, X, a03); a13 = madd(G1, X, a13);
          }
        }
        const k = q * 4;
        const d0 = part + (<usize>(o * K + k) << 2);
        const d1 = d0 + (<usize>K << 2);
        store<f32>(d0, hsum(a00));
        if (k + 1 < K) store<f32>(d0, hsum(a01), 4);
        if (k + 2 < K) store<f32>(d0, hsum(a02), 8);
        if (k + 3 < K) store<f32>(d0, hsum(a03), 12);
        if (two) {
          store<f32>(d1, hsum(a10));
          if (k + 1 < K) store<f32>(d1, hsum(a11), 4);
          if (k + 2 < K) store<f32>(d1, hsum(a12), 8);
          if (k + 3 < K) store<f32>(d1, hsum(a13), 12);
        }
      }
    }
  }
}
