import { afterEach, describe, expect, test } from 'vitest';
import {
  AnomalyError, NonFiniteError, defineOp, getBackend, isNanGuardEnabled, listBackends, nanGuard, randn, setBackend, setNanGuard, tensor, zeros,
} from '../index.js';
import type { Tensor } from '../tensor.js';

describe.each(listBackends())('backend %s: allFinite', (name) => {
  const initial = getBackend();
  afterEach(() => void setBackend(initial));

  test('finds a NaN or ±Inf anywhere in contiguous, strided and broadcast views, in both float dtypes', () => {
    setBackend(name);
    const k = getBackend();
    for (const dtype of ['float32', 'float64'] as const) {
      for (const n of [1, 3, 4, 5, 17, 1000, 2048, 5001, 100003]) { // past 2048 the wasm backend checks in wasm
        for (const bad of [NaN, Infinity, -Infinity]) {
          for (const at of [0, n - 1, n >> 1]) {
            const t = randn([n], { dtype });
            expect(k.allFinite(t), `${dtype} n=${n} clean`).toBe(true);
            t.data[at] = bad;
            expect(k.allFinite(t), `${dtype} n=${n} ${bad} at ${at}`).toBe(false);
          }
        }
      }
      const m = randn([6, 5], { dtype });
      m.data[7] = NaN; // row 1, column 2
      expect(k.allFinite(m.t())).toBe(false);
      expect(k.allFinite(m.narrow(0, 2, 4))).toBe(true); // the NaN is outside the view
      expect(k.allFinite(m.narrow(1, 2, 1))).toBe(false);
      expect(k.allFinite(m.narrow(1, 0, 2).t())).toBe(true);
      expect(k.allFinite(tensor([Infinity], { dtype }).expand([3, 4]))).toBe(false);
      const big = randn([300, 200], { dtype });
      big.data[200 * 150 + 7] = -Infinity;
      expect(k.allFinite(big.t())).toBe(false);
      expect(k.allFinite(big.narrow(0, 151, 149))).toBe(true);
      expect(k.allFinite(big.narrow(1, 7, 1).expand([300, 50]))).toBe(false);
      expect(k.allFinite(big.narrow(1, 8, 100))).toBe(true); // sparse: every other half row
      expect(k.allFinite(zeros([0], { dtype }))).toBe(true);
      expect(k.allFinite(tensor([dtype === 'float64' ? 1e308 : 3e38], { dtype }))).toBe(true); // large but finite
    }
    expect(k.allFinite(tensor([1, 2], { dtype: 'int32' }))).toBe(true);
    expect(k.allFinite(tensor([true, false]))).toBe(true);
  });
});

describe.each(listBackends())('backend %s: the guard on large products', (name) => {
  const initial = getBackend();
  afterEach(() => void setBackend(initial));

  // Large enough for the wasm bmm, which checks its product in linear memory and notes it finite; the
  // guard must still catch an overflow there, in forward and in a weight gradient, and must not trust a
  // note after an in-place write.
  test('an overflow in a product is reported in forward and in backward; a note does not outlive a write', () => {
    setBackend(name);
    const a = randn([64, 96]);
    const w = randn([96, 80], { requiresGrad: true });
    a.data[5 * 96 + 3] = 3e38; // row 5 of the product overflows float32
    expect(() => nanGuard(() => a.matmul(w))).toThrow(/^nanGuard: -?Infinity in the forward of matmul outside any module: its output of shape \[64, 80\] has -?Infinity at element 4\d\d\. Its inputs/);
    a.data[5 * 96 + 3] = 1e30; // finite product (~1e30), but a gradient of 1e10 at the output overflows wᵀ's
    const y = nanGuard(() => a.matmul(w));
    expect(() => nanGuard(() => y.backward(tensor(1e10).expand([64, 80]).contiguous()))).toThrow(
      /^nanGuard: -?Infinity in the backward of matmul outside any module: the gradient of its input 1 of shape \[96, 80\]/,
    );
    // A product its kernel noted finite, then written in place inside a backward formula: the write moves
    // the version counter, which voids the note, so the gradient is scanned and the NaN found.
    const spoil = defineOp<[Tensor]>({
      name: 'spoil',
      forward: (_ctx, [x]) => x.clone(),
      backward: (_ctx, g) => {
        const prod = g.matmul(randn([80, 80]));
        prod.data[7] = NaN;
        prod.versionCounter.bump('test');
        return [prod];
      },
    });
    const z = nanGuard(() => spoil([randn([64, 80], { requiresGrad: true })], undefined));
    expect(() => nanGuard(() => z.backward(randn([64, 80])))).toThrow(/^nanGuard: NaN in the backward of spoil outside any module: the gradient of its input 0 of shape \[64, 80\] has NaN at element 7/);
  });
});

describe('nanGuard', () => {
  test('checks op outputs only while on, names the op and the pass, and is a NonFiniteError (an AnomalyError)', () => {
    const x = tensor([1, 0, 2]);
    expect(() => x.log()).not.toThrow();
    let err: unknown;
    try {
      nanGuard(() => x.log());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect(err).toBeInstanceOf(AnomalyError);
    expect((err as NonFiniteError).message).toBe(
      'nanGuard: -Infinity in the forward of log outside any module: its output of shape [3] has -Infinity at element 1. Its inputs (shapes [3]) were finite',
    );
    expect([(err as NonFiniteError).op, (err as NonFiniteError).pass, (err as NonFiniteError).modulePath]).toEqual(['log', 'forward', null]);
    expect(isNanGuardEnabled()).toBe(false);
  });

  test('checks the gradients of backward, naming the node', () => {
    const x = tensor([0, 1], { requiresGrad: true });
    const y = nanGuard(() => x.sqrt().sum()); // finite forward
    expect(() => nanGuard(() => y.backward())).toThrow(/^nanGuard: Infinity in the backward of sqrt outside any module: the gradient of its input 0 of shape \[2\] has Infinity at element 0/);
  });

  test('lets deliberate infinities of a constant through (attention masks), but not a NaN, nor one that wants a gradient', () => {
    const scores = tensor([[0.5, 1], [2, -1]], { requiresGrad: true });
    const causal = tensor([[0, -Infinity], [0, 0]]); // a float mask, as PyTorch's generate_square_subsequent_mask
    const p = nanGuard(() => scores.add(causal).softmax(-1));
    expect(Array.from(p.toTypedArray() as Float32Array)[1]).toBe(0);
    const masked = nanGuard(() => scores.maskedFill(tensor([[false, true], [false, false]]), -Infinity).softmax(-1));
    expect(Array.from(masked.toTypedArray() as Float32Array)[1]).toBe(0);
    expect(() => nanGuard(() => scores.add(tensor([[0, NaN], [0, 0]])))).toThrow(/^nanGuard: NaN in the forward of add outside any module: .*Its input 1 \(shape \[2, 2\]\) already held a non-finite value/);
    const inf = tensor([Infinity, 1], { requiresGrad: true });
    expect(() => nanGuard(() => inf.mul(2))).toThrow(/^nanGuard: Infinity in the forward of mul/);
    // A fully masked row: softmax makes NaN from the -Infinity it was given, and that is reported.
    expect(() => nanGuard(() => scores.add(tensor([[-Infinity, -Infinity], [0, 0]])).softmax(-1))).toThrow(/NaN in the forward of softmax/);
  });

  test('setNanGuard returns the previous value and takes only booleans; async functions are refused', () => {
    expect(setNanGuard(true)).toBe(false);
    expect(setNanGuard(false)).toBe(true);
    expect(() => setNanGuard(1 as never)).toThrow(/setNanGuard: expected a boolean, got number/);
    expect(() => nanGuard((async () => 1) as never)).toThrow(/nanGuard: the function is async/);
    expect(isNanGuardEnabled()).toBe(false);
  });
});
