// float64 GEMM: the float32 design (see gemm-f32.ts) with f64x2 lanes and a 4×4 register tile of eight
// accumulators. Products and sums stay in float64.

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 256;

// Scratch for edge tiles (rows or columns past the end of C): MR * NR * 8 bytes right after the caller's B
// packing buffer. A global, so each instance (each worker thread sharing this memory) has its own.
let TILE: usize = 0;

@inline function even(a: v128, b: v128): v128 { return v128.shuffle<f64>(a, b, 0, 2); }
@inline function odd(a: v128, b: v128): v128 { return v128.shuffle<f64>(a, b, 1, 3); }

@inline function madd(x: v128, y: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(x, y, acc);
  return f64x2.add(acc, f64x2.mul(x, y));
}

/** Packs A[0:mc, 0:kc] (element strides sam, sak) into MR-row panels laid out [k][MR]. */
function packA(a: usize, sam: i32, sak: i32, mc: i32, kc: i32, dst: usize): void {
  const rs = <usize>(sam << 3);
  const ks = <usize>(sak << 3);
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    const p = a + <usize>(i * sam << 3);
    if (rows == MR && sak == 1) {
      let k = 0;
      for (; k + 2 <= kc; k += 2) {
        const q = p + <usize>(k << 3);
        const v0 = v128.load(q), v1 = v128.load(q + rs), v2 = v128.load(q + 2 * rs), v3 = v128.load(q + 3 * rs);
        v128.store(dst, even(v0, v1));
        v128.store(dst, even(v2, v3), 16);
        v128.store(dst, odd(v0, v1), 32);
        v128.store(dst, odd(v2, v3), 48);
        dst += 64;
      }
      if (k < kc) {
        const q = p + <usize>(k << 3);
        store<f64>(dst, load<f64>(q));
        store<f64>(dst, load<f64>(q + rs), 8);
        store<f64>(dst, load<f64>(q + 2 * rs), 16);
        store<f64>(dst, load<f64>(q + 3 * rs), 24);
        dst += 32;
      }
    } else if (rows == MR && sam == 1) {
      let q = p;
      for (let k = 0; k < kc; k++, q += ks) {
        v128.store(dst, v128.load(q));
        v128.store(dst, v128.load(q, 16), 16);
        dst += 32;
      }
    } else {
      let q = p;
      for (let k = 0; k < kc; k++, q += ks) {
        for (let r = 0; r < MR; r++) store<f64>(dst + <usize>(r << 3), r < rows ? load<f64>(q + <usize>(r) * rs) : 0);
        dst += 32;
      }
    }
  }
}

/** Packs B[0:kc, 0:nc] (element strides sbk, sbn) into NR-column panels laid out [k][NR]. */
function packB(b: usize, sbk: i32, sbn: i32, kc: i32, nc: i32, dst: usize): void {
  const ks = <usize>(sbk << 3);
  const cs = <usize>(sbn << 3);
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const p = b + <usize>(j * sbn << 3);
    if (cols == NR && sbn == 1) {
      let q = p;
      for (let k = 0; k < kc; k++, q += ks) {
        v128.store(dst, v128.load(q));
        v128.store(dst, v128.load(q, 16), 16);
        dst += 32;
      }
    } else if (cols == NR && sbk == 1) {
      let k = 0;
      for (; k + 2 <= kc; k += 2) {
        const q = p + <usize>(k << 3);
        const w0 = v128.load(q), w1 = v128.load(q + cs), w2 = v128.load(q + 2 * cs), w3 = v128.load(q + 3 * cs);
        v128.store(dst, even(w0, w1));
        v128.store(dst, even(w2, w3), 16);
        v128.store(dst, odd(w0, w1), 32);
        v128.store(dst, odd(w2, w3), 48);
        dst += 64;
      }
      if (k < kc) {
        const q = p + <usize>(k << 3);
        for (let c = 0; c < NR; c++) store<f64>(dst + <usize>(c << 3), load<f64>(q + <usize>(c) * cs));
        dst += 32;
      }
    } else {
      let q = p;
      for (let k = 0; k < kc; k++, q += ks) {
        for (let c = 0; c < NR; c++) store<f64>(dst + <usize>(c << 3), c < cols ? load<f64>(q + <usize>(c) * cs) : 0);
        dst += 32;
      }
    }
  }
}

/** C[0:mr, 0:nr] (row stride `ldc` bytes) = (first ? 0 : C) + Ã panel · B̃ panel over kc ≥ 1 (see gemm-f32.ts). */
function kernel(kc: i32, a: usize, b: usize, c: usize, ldc: usize, mr: i32, nr: i32, first: bool): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  const end = a + (<usize>kc << 5);
  let b0: v128, b1: v128, x: v128;
  while (true) {
    b0 = v128.load(b); b1 = v128.load(b, 16);
    x = v128.load64_splat(a);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load64_splat(a, 8);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load64_splat(a, 16);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load64_splat(a, 24);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    if (a + 32 == end) break;
    b0 = v128.load(b, 32); b1 = v128.load(b, 48);
    x = v128.load64_splat(a, 32);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load64_splat(a, 40);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load64_splat(a, 48);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load64_splat(a, 56);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    a += 64;
    b += 64;
    if (a == end) break;
  }
  if (mr == MR && nr == NR) {
    if (!first) {
      c00 = f64x2.add(c00, v128.load(c)); c01 = f64x2.add(c01, v128.load(c, 16));
      c10 = f64x2.add(c10, v128.load(c + ldc)); c11 = f64x2.add(c11, v128.load(c + ldc, 16));
      c20 = f64x2.add(c20, v128.load(c + 2 * ldc)); c21 = f64x2.add(c21, v128.load(c + 2 * ldc, 16));
      c30 = f64x2.add(c30, v128.load(c + 3 * ldc)); c31 = f64x2.add(c31, v128.load(c + 3 * ldc, 16));
    }
    v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
    v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
    v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
    v128.store(c, c30); v128.store(c, c31, 16);
    return;
  }
  v128.store(TILE, c00); v128.store(TILE, c01, 16);
  v128.store(TILE, c10, 32); v128.store(TILE, c11, 48);
  v128.store(TILE, c20, 64); v128.store(TILE, c21, 80);
  v128.store(TILE, c30, 96); v128.store(TILE, c31, 112);
  for (let r = 0; r < mr; r++, c += ldc) {
    const t = TILE + <usize>(r * NR << 3);
    for (let j = 0; j < nr; j++) {
      const p = c + <usize>(j << 3);
      const v = load<f64>(t + <usize>(j << 3));
      store<f64>(p, first ? v : load<f64>(p) + v);
    }
  }
}

function gemm(m: i32, n: i32, k: i32, a: usize, sam: i32, sak: i32, b: usize, sbk: i32, sbn: i32,
  c: usize, ldc: i32, pa: usize, pb: usize): void {
  const ldcb = <usize>(ldc << 3);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b + <usize>((pc * sbk + jc * sbn) << 3), sbk, sbn, kc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a + <usize>((ic * sam + pc * sak) << 3), sam, sak, mc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = pb + <usize>(jr * kc << 3);
          let cp = c + <usize>(ic) * ldcb + <usize>((jc + jr) << 3);
          for (let ir = 0; ir < mc; ir += MR) {
            kernel(kc, pa + <usize>(ir * kc << 3), bp, cp, ldcb, min(MR, mc - ir), min(NR, nc - jr), pc == 0);
            cp += <usize>MR * ldcb;
          }
        }
      }
    }
  }
}

/** Batched float64 matmul; the contract of matmulF32 with 8-byte elements. */
export function matmulF64(batch: i32, m: i32, n: i32, k: i32,
  a: usize, sab: i32, sam: i32, sak: i32,
  b: usize, sbb: i32, sbk: i32, sbn: i32,
  c: usize, sc: i32, ldc: i32, pa: usize, pb: usize): void {
  TILE = pb + <usize>(KC * NC << 3);
  for (let i = 0; i < batch; i++) {
    gemm(m, n, k, a + <usize>(i * sab << 3), sam, sak, b + <usize>(i * sbb << 3), sbk, sbn, c + <usize>(i * sc << 3), ldc, pa, pb);
  }
}

export const F64_PACK_A = MC * KC;
export const F64_PACK_B = KC * NC + MR * NR; // the B panels, then the edge-tile scratch
