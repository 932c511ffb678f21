// float32 GEMM on strided operands in linear memory: C[m, n] = A[m, k] · B[k, n] for each batch.
// BLIS loop order: B is packed in (at most) KC×NC blocks of NR-wide column panels, A in MC×KC blocks of MR-high row
// panels (both zero-padded to whole panels), and a 4×8 register tile of eight f32x4 accumulators walks them.
// Packing absorbs every stride pattern (transposed views, stride-0 batches), so the micro-kernel only ever
// reads unit-stride panels.
// Why 4×8: with fused multiply-add (latency about 5 cycles, two per cycle on the x86 cores measured) eight
// accumulators keep the FMA units about 80% busy, so a 5×8, 6×8 or 3×12 tile should be faster on paper. Under
// V8 (Node 20, TurboFan) each was slower (25–30 instead of about 41 GFLOP/s at 512 on one thread): V8 does
// not fold the constant offsets of the splat loads into their addresses, keeps those addresses in general
// registers, issues the first half-step's splats together, and spills accumulators across the loop's back
// edge (seen with node --print-wasm-code). Separate multiply and add need one more register, which rules
// them out for the plain build too.

const MR = 4;
const NR = 8;
const KC = 256;
const MC = 128;
const NC = 512;

// Scratch for edge tiles (rows or columns past the end of C): MR * NR * 4 bytes right after the caller's B
// packing buffer. A global, so each instance (each worker thread sharing this memory) has its own.
let TILE: usize = 0;

// 4×4 transpose in two rounds of shuffles: rows v0..v3 → columns.
@inline function tr0(a: v128, b: v128): v128 { return v128.shuffle<f32>(a, b, 0, 4, 1, 5); }
@inline function tr1(a: v128, b: v128): v128 { return v128.shuffle<f32>(a, b, 2, 6, 3, 7); }
@inline function lo(a: v128, b: v128): v128 { return v128.shuffle<f32>(a, b, 0, 1, 4, 5); }
@inline function hi(a: v128, b: v128): v128 { return v128.shuffle<f32>(a, b, 2, 3, 6, 7); }

/** acc + x·y: fused where relaxed SIMD is enabled (one rounding instead of two). */
@inline function madd(x: v128, y: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(x, y, acc);
  return f32x4.add(acc, f32x4.mul(x, y));
}

/** Packs A[0:mc, 0:kc] (element strides sam, sak) into MR-row panels laid out [k][MR]. */
function packA(a: usize, sam: i32, sak: i32, mc: i32, kc: i32, dst: usize): void {
  const rs = <usize>(sam << 2);
  const ks = <usize>(sak << 2);
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    const p = a + <usize>(i * sam << 2);
    if (rows == MR && sak == 1) {
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const q = p + <usize>(k << 2);
        const v0 = v128.load(q), v1 = v128.load(q + rs), v2 = v128.load(q + 2 * rs), v3 = v128.load(q + 3 * rs);
        const t0 = tr0(v0, v1), t1 = tr1(v0, v1), t2 = tr0(v2, v3), t3 = tr1(v2, v3);
        v128.store(dst, lo(t0, t2));
        v128.store(dst, hi(t0, t2), 16);
        v128.store(dst, lo(t1, t3), 32);
        v128.store(dst, hi(t1, t3), 48);
        dst += 64;
      }
      for (; k < kc; k++) {
        const q = p + <usize>(k << 2);
        store<f32>(dst, load<f32>(q));
        store<f32>(dst, load<f32>(q + rs), 4);
        store<f32>(dst, load<f32>(q + 2 * rs), 8);
        store<f32>(dst, load<f32>(q + 3 * rs), 12);
        dst += 16;
      }
    } else if (rows == MR && sam == 1) {
      let q = p;
      for (let k = 0; k < kc; k++, q += ks) {
        v128.store(dst, v128.load(q));
        dst += 16;
      }
    } else {
      let q = p;
      for (let k = 0; k < kc; k++, q += ks) {
        for (let r = 0; r < MR; r++) store<f32>(dst + <usize>(r << 2), r < rows ? load<f32>(q + <usize>(r) * rs) : 0);
        dst += 16;
      }
    }
  }
}

/** Packs B[0:kc, 0:nc] (element strides sbk, sbn) into NR-column panels laid out [k][NR]. */
function packB(b: usize, sbk: i32, sbn: i32, kc: i32, nc: i32, dst: usize): void {
  const ks = <usize>(sbk << 2);
  const cs = <usize>(sbn << 2);
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const p = b + <usize>(j * sbn << 2);
    if (cols == NR && sbn == 1) {
      let q = p;
      for (let k = 0; k < kc; k++, q += ks) {
        v128.store(dst, v128.load(q));
        v128.store(dst, v128.load(q, 16), 16);
        dst += 32;
      }
    } else if (cols == NR && sbk == 1) {
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const q = p + <usize>(k << 2);
        const v0 = v128.load(q), v1 = v128.load(q + cs), v2 = v128.load(q + 2 * cs), v3 = v128.load(q + 3 * cs);
        const w0 = v128.load(q + 4 * cs), w1 = v128.load(q + 5 * cs), w2 = v128.load(q + 6 * cs), w3 = v128.load(q + 7 * cs);
        const t0 = tr0(v0, v1), t1 = tr1(v0, v1), t2 = tr0(v2, v3), t3 = tr1(v2, v3);
        const u0 = tr0(w0, w1), u1 = tr1(w0, w1), u2 = tr0(w2, w3), u3 = tr1(w2, w3);
        v128.store(dst, lo(t0, t2));
        v128.store(dst, lo(u0, u2), 16);
        v128.store(dst, hi(t0, t2), 32);
        v128.store(dst, hi(u0, u2), 48);
        v128.store(dst, lo(t1, t3), 64);
        v128.store(dst, lo(u1, u3), 80);
        v128.store(dst, hi(t1, t3), 96);
        v128.store(dst, hi(u1, u3), 112);
        dst += 128;
      }
      for (; k < kc; k++) {
        const q = p + <usize>(k << 2);
        for (let c = 0; c < NR; c++) store<f32>(dst + <usize>(c << 2), load<f32>(q + <usize>(c) * cs));
        dst += 32;
      }
    } else {
      let q = p;
      for (let k = 0; k < kc; k++, q += ks) {
        for (let c = 0; c < NR; c++) store<f32>(dst + <usize>(c << 2), c < cols ? load<f32>(q + <usize>(c) * cs) : 0);
        dst += 32;
      }
    }
  }
}

/**
 * The micro-kernel: C[0:mr, 0:nr] (row stride `ldc` bytes) = (first ? 0 : C) + Ã panel · B̃ panel over kc ≥ 1.
 * The k loop is unrolled twice with an exit test in the middle: the branch keeps V8 from hoisting the second
 * half's loads above the first half's arithmetic, which would need more than the 15 xmm registers it has.
 */
function kernel(kc: i32, a: usize, b: usize, c: usize, ldc: usize, mr: i32, nr: i32, first: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = a + (<usize>kc << 4);
  let b0: v128, b1: v128, x: v128;
  while (true) {
    b0 = v128.load(b); b1 = v128.load(b, 16);
    x = v128.load32_splat(a);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    if (a + 16 == end) break;
    b0 = v128.load(b, 32); b1 = v128.load(b, 48);
    x = v128.load32_splat(a, 16);
    c00 = madd(x, b0, c00); c01 = madd(x, b1, c01);
    x = v128.load32_splat(a, 20);
    c10 = madd(x, b0, c10); c11 = madd(x, b1, c11);
    x = v128.load32_splat(a, 24);
    c20 = madd(x, b0, c20); c21 = madd(x, b1, c21);
    x = v128.load32_splat(a, 28);
    c30 = madd(x, b0, c30); c31 = madd(x, b1, c31);
    a += 32;
    b += 64;
    if (a == end) break;
  }
  if (mr == MR && nr == NR) {
    if (!first) {
      c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
      c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
      c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
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
    const t = TILE + <usize>(r * NR << 2);
    for (let j = 0; j < nr; j++) {
      const p = c + <usize>(j << 2);
      const v = load<f32>(t + <usize>(j << 2));
      store<f32>(p, first ? v : load<f32>(p) + v);
    }
  }
}

/** C[0:m, 0:n] (row stride ldc) = A · B for one matrix; `pa`/`pb` hold MC·KC and KC·NC floats. */
function gemm(m: i32, n: i32, k: i32, a: usize, sam: i32, sak: i32, b: usize, sbk: i32, sbn: i32,
  c: usize, ldc: i32, pa: usize, pb: usize): void {
  const ldcb = <usize>(ldc << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    // K in equal blocks of at most KC (784 = 4 × 196, not 3 × 256 + 16): a short last block would pay a
    // whole pass over C (load, add, store) for a few multiply-adds.
    const kb = (k + KC - 1) / KC;
    const kstep = (k + kb - 1) / kb;
    for (let pc = 0; pc < k; pc += kstep) {
      const kc = min(kstep, k - pc);
      packB(b + <usize>((pc * sbk + jc * sbn) << 2), sbk, sbn, kc, nc, pb);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(a + <usize>((ic * sam + pc * sak) << 2), sam, sak, mc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = pb + <usize>(jr * kc << 2);
          let cp = c + <usize>(ic) * ldcb + <usize>((jc + jr) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            kernel(kc, pa + <usize>(ir * kc << 2), bp, cp, ldcb, min(MR, mc - ir), min(NR, nc - jr), pc == 0);
            cp += <usize>MR * ldcb;
          }
        }
      }
    }
  }
}

/**
 * Batched float32 matmul: for each of `batch` matrices, C[m, n] = A[m, k] · B[k, n] with k ≥ 1.
 * Addresses are bytes, strides elements (any sign, 0 for a broadcast batch). C is row-major with row stride
 * `ldc` and batch stride `sc`, so a caller can split the columns of one product across workers later.
 */
export function matmulF32(batch: i32, m: i32, n: i32, k: i32,
  a: usize, sab: i32, sam: i32, sak: i32,
  b: usize, sbb: i32, sbk: i32, sbn: i32,
  c: usize, sc: i32, ldc: i32, pa: usize, pb: usize): void {
  TILE = pb + <usize>(KC * NC << 2);
  for (let i = 0; i < batch; i++) {
    gemm(m, n, k, a + <usize>(i * sab << 2), sam, sak, b + <usize>(i * sbb << 2), sbk, sbn, c + <usize>(i * sc << 2), ldc, pa, pb);
  }
}

/** Packing buffer sizes in elements, for the caller to reserve. */
export const F32_PACK_A = MC * KC;
export const F32_PACK_B = KC * NC + MR * NR; // the B panels, then the edge-tile scratch
