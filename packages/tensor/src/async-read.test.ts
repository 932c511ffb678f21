// The asynchronous reads (toTypedArrayAsync, toArrayAsync, itemAsync): the same values as the synchronous
// reads on each backend, as of the call, and through a backend's own `read` where it has one (a backend that
// queues its kernels, as a GPU's would, stood in for here by the JS backend with a read that resolves later).
import { afterEach, describe, expect, it } from 'vitest';
import { arange, getBackend, jsBackend, setBackend, tensor, type Backend } from './index.js';
import { contiguousStrides } from './shape.js';

const initial = getBackend();
afterEach(() => {
  setBackend(initial);
});

describe.each(['js', 'wasm'])('asynchronous reads on the %s backend', (name) => {
  it('give what the synchronous reads give: a strided view, float32, int32 and bool, in a plain array', async () => {
    setBackend(name);
    // 40 × 32 float32 is 5 KiB: resident in wasm memory on the wasm backend.
    const x = arange(0, 1280, 1, { dtype: 'float32' }).reshape([40, 32]).t().narrow(0, 3, 20);
    const got = await x.toTypedArrayAsync();
    expect(got).toBeInstanceOf(Float32Array);
    expect(got.buffer).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(got)).toEqual(Array.from(x.toTypedArray()));
    expect(await x.toArrayAsync()).toEqual(x.toArray());
    const ints = tensor([[1, -2], [3, 4]], { dtype: 'int32' });
    expect(Array.from(await ints.toTypedArrayAsync())).toEqual([1, -2, 3, 4]);
    const bools = tensor([true, false, true]);
    expect(await bools.toArrayAsync()).toEqual([true, false, true]);
    expect(await tensor(2.5).itemAsync()).toBe(2.5);
    expect(await x.narrow(0, 1, 1).narrow(1, 5, 1).itemAsync()).toBe(x.narrow(0, 1, 1).narrow(1, 5, 1).item());
  });

  it('read the values as of the call: an in-place write after it does not show', async () => {
    setBackend(name);
    const x = arange(0, 2048, 1, { dtype: 'float32' });
    const before = x.toTypedArrayAsync();
    const nested = x.narrow(0, 0, 3).toArrayAsync();
    x.add_(1);
    expect((await before)[0]).toBe(0);
    expect((await before)[2047]).toBe(2047);
    expect(await nested).toEqual([0, 1, 2]);
  });

  it('reject itemAsync of a tensor with more than one element, naming its shape', async () => {
    setBackend(name);
    await expect(tensor([1, 2]).itemAsync()).rejects.toThrow(/^itemAsync: only a one-element tensor can be converted to a number, got shape \[2\]/);
  });
});

describe('a backend with a read of its own', () => {
  /** The JS backend whose reads are taken when issued and delivered after a timer, as a queue would. */
  function queued(): { backend: Backend; reads: string[] } {
    const reads: string[] = [];
    const backend: Backend = {
      ...jsBackend,
      name: 'queued-test',
      read(x, out) {
        reads.push(`[${x.shape.join(', ')}]`);
        jsBackend.copy(x, { storage: out, shape: x.shape, strides: contiguousStrides(x.shape), offset: 0 });
        return new Promise((resolve) => setTimeout(resolve, 5));
      },
    };
    return { backend, reads };
  }

  it('goes through it for all three reads, and resolves only when it does', async () => {
    const { backend, reads } = queued();
    setBackend(backend);
    const x = tensor([[1, 2, 3], [4, 5, 6]]).t();
    let settled = false;
    const p = x.toTypedArrayAsync().then((v) => {
      settled = true;
      return v;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    expect(Array.from(await p)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(await x.toArrayAsync()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(await x.narrow(0, 2, 1).narrow(1, 1, 1).itemAsync()).toBe(6);
    expect(reads).toEqual(['[3, 2]', '[3, 2]', '[1, 1]']);
    // The synchronous reads do not go through it.
    x.toTypedArray();
    expect(reads.length).toBe(3);
  });
});
