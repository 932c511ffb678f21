// The emulated fused multiply-add against exact arithmetic: each double is m·2^e with an integer m, so a·b + c
// is an exact BigInt times a power of two, and Number(BigInt) rounds it to nearest-even once, as an FMA does.
import { describe, expect, it } from 'vitest';
import { fma32, fma64 } from './fma.js';

const view = new DataView(new ArrayBuffer(8));

/** `x` as [m, e] with x = m·2^e exactly (finite, normal or subnormal). */
function decompose(x: number): [bigint, number] {
  view.setFloat64(0, x);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp !== 0) m |= 1n << 52n;
  const e = (exp === 0 ? 1 : exp) - 1075;
  return [hi >>> 31 ? -m : m, e];
}

function exactFma(a: number, b: number, c: number, round: (x: number) => number): number {
  const [ma, ea] = decompose(a), [mb, eb] = decompose(b), [mc, ec] = decompose(c);
  const ep = ea + eb, e = Math.min(ep, ec);
  const n = ((ma * mb) << BigInt(ep - e)) + (mc << BigInt(ec - e));
  if (round === Math.fround) {
    // round to 24 bits directly: scale n so that it has at most 24 significant bits after Number's rounding
    const bits = n === 0n ? 0 : (n < 0n ? -n : n).toString(2).length;
    const shift = Math.max(0, bits - 24);
    const q = n >> BigInt(shift), r = n - (q << BigInt(shift)); // floor division (q rounds toward −∞)
    const half = shift === 0 ? 0n : 1n << BigInt(shift - 1);
    let k = q;
    if (r > half || (r === half && (q & 1n) === 1n)) k = q + 1n;
    return Number(k) * 2 ** (e + shift);
  }
  return Number(n) * 2 ** e;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('fma64 and fma32 are correctly rounded', () => {
  it('fma64 on random, cancelling and tie-prone triples', () => {
    const r = rng(1);
    const x = () => (r() - 0.5) * 2 ** Math.floor(r() * 40 - 20);
    for (let i = 0; i < 20000; i++) {
      const a = x(), b = x();
      // every third: c cancels most of a·b, where an unfused a·b + c loses the low bits
      const c = i % 3 === 0 ? -(a * b) * (1 + (r() - 0.5) * 2 ** -40) : i % 3 === 1 ? x() : -(a * b);
      expect(fma64(a, b, c), `${a}·${b} + ${c}`).toBe(exactFma(a, b, c, (v) => v));
    }
  });

  it('fma32 on float32 inputs', () => {
    const r = rng(2);
    const x = () => Math.fround((r() - 0.5) * 2 ** Math.floor(r() * 20 - 10));
    for (let i = 0; i < 20000; i++) {
      const a = x(), b = x();
      const c = i % 2 === 0 ? Math.fround(-(a * b) * (1 + (r() - 0.5) * 2 ** -20)) : x();
      expect(fma32(a, b, c), `${a}·${b} + ${c}`).toBe(exactFma(a, b, c, Math.fround));
    }
  });

  it('just off a midpoint between two results, where rounding twice would land on the wrong side', () => {
    // a·b = 2^−53·(1 − 2^−2k) (float64) or 2^−24·(1 − 2^−2k) (float32): c + a·b lies just below the midpoint
    // between c and its successor, so only a single rounding of the exact value gives the right neighbour.
    for (const k of [27, 30, 40, 50]) {
      for (const j of [1, 3]) {
        for (const sign of [1, -1]) {
          const a = 1 + 2 ** -k, b = sign * 2 ** -53 * (1 - 2 ** -k), c = 1 + j * 2 ** -52;
          expect(fma64(a, b, c), `k ${k}, j ${j}, sign ${sign}`).toBe(exactFma(a, b, c, (v) => v));
        }
      }
    }
    for (const k of [18, 20, 23]) {
      for (const j of [1, 3, 5]) {
        const a = Math.fround(1 + 2 ** -k), b = Math.fround(2 ** -24 * (1 - 2 ** -k)), c = Math.fround(1 + j * 2 ** -23);
        expect(fma32(a, b, c), `k ${k}, j ${j}`).toBe(exactFma(a, b, c, Math.fround));
        expect(fma32(a, b, c)).not.toBe(Math.fround(a * b + c)); // rounding to double first gets it wrong
      }
    }
  });

  it('differs from the unfused expression where the single rounding matters, and passes non-finite values through', () => {
    const a = 1 + 2 ** -30, b = 1 - 2 ** -30, c = -1; // a·b = 1 − 2^−60 exactly
    expect(a * b + c).toBe(0);
    expect(fma64(a, b, c)).toBe(-(2 ** -60));
    expect(fma64(Infinity, 1, 1)).toBe(Infinity);
    expect(Number.isNaN(fma64(NaN, 1, 1))).toBe(true);
    expect(fma64(0, 5, -3)).toBe(-3);
  });
});
