// Tensor storage in wasm linear memory. Where the memory is shared (Node; cross-origin-isolated pages), a
// typed array over it never detaches when memory grows, so a tensor's `data` can be such an array: the JS
// kernels read it like any other, and the wasm kernels address it in place (its `byteOffset`) with no copy
// in or out. Blocks come from size classes (powers of two up to 1 MiB, 64 KiB multiples above) with a free
// list per class, so a training loop that allocates the same shapes every step reuses the same blocks.
//
// A block is freed in one of two ways, never both:
// - the engine knows it is dead (a gradient born and consumed inside one backward pass, a parameter's
//   gradient that was replaced before anything outside the engine read it): `release`, at once;
// - else when its typed array is garbage-collected (FinalizationRegistry). Every tensor and view of the
//   storage holds that one array object, so the block lives as long as any of them or any user reference
//   to `t.data` does. (A `subarray` of it, or an array built over its `.buffer`, does not keep it alive.)
//
// Finalizers run only after the JS job that dropped the tensors ends, so a loop that never yields to the
// event loop frees only what the engine knows is dead. Hence two budgets: storage made outside the engine
// (forward results, user tensors) stays resident only while such blocks take less than half the limit;
// the engine's own (backward, optimizer) up to the whole limit. Past them `alloc` returns null and the
// caller uses an ordinary typed array, which the wasm kernels stage as before: slower, never wrong, and the
// memory stays bounded.
import type { DType, TypedArray } from '../../dtype.js';

const PAGE = 65536;
const BIG = 1 << 20;
/**
 * Below this many bytes a JS array is cheaper than a block: the wasm kernels run from about 1,024 elements,
 * and every block costs the garbage collector a finalizer cell.
 */
export const MIN_RESIDENT_BYTES = 4096;
/** Each block starts with a header (capacity, length in bytes, live flag) in wasm memory; data follows, 64-byte aligned. */
const HEADER = 64;
/** The header's fourth word is this xor the block's address: a view inside some block's data is not taken for a block. */
const MAGIC = 0x7e115e0d;
const ZEROS = new Uint8Array(1 << 16);

const BYTES: Record<DType, number> = { bool: 1, int32: 4, float32: 4, float64: 8 };

/** What `heapStats()` reports, in bytes. */
export interface HeapStats {
  /** The wasm memory's size now (it never shrinks). */
  readonly memoryBytes: number;
  /** Bytes in live blocks (size-class capacity), tensors' storage plus the kernels' scratch. */
  readonly liveBytes: number;
  /** The most `liveBytes` has been. */
  readonly highWaterBytes: number;
  /** Bytes in freed blocks kept for reuse. */
  readonly freeBytes: number;
  /** The limit on resident storage (`setWasmHeapLimit`). */
  readonly limitBytes: number;
  /** Blocks handed out, freed by the engine, freed by the garbage collector, and allocations that got a JS array because a budget was spent. */
  readonly allocations: number;
  readonly engineFrees: number;
  readonly collectedFrees: number;
  readonly fallbacks: number;
}


/**
 * The block size for `bytes`: four classes per power of two (1, 1.25, 1.5, 1.75 × 2^k, at most a quarter
 * wasted) up to 1 MiB, then whole 64 KiB pages; always a multiple of 64 bytes.
 */
const classOf = (bytes: number): number => {
  if (bytes > BIG) return Math.ceil(bytes / PAGE) * PAGE;
  if (bytes <= 256) return 256;
  const step = 2 ** (Math.ceil(Math.log2(bytes)) - 3); // an eighth of the next power of two: a quarter of this one
  return Math.ceil(bytes / step) * step;
};

export class Heap {
  private readonly free = new Map<number, number[]>();
  private top: number;
  private live = 0;
  private engineLive = 0;
  private highWater = 0;
  private freeTotal = 0;
  private limit: number;
  private stats = { allocations: 0, engineFrees: 0, collectedFrees: 0, fallbacks: 0 };
  /**
   * Finalizers of the arrays handed out. The held value is the block's address (a number: no object per
   * block for the collector to trace); the array itself is the unregister token.
   */
  private readonly registry: FinalizationRegistry<number>;
  /** Every SharedArrayBuffer the memory has had (one per growth): an array over any of them is resident. */
  private readonly buffers = new Set<ArrayBufferLike>();
  /** The header words: [addr/4] capacity, [addr/4 + 1] length in bytes, [addr/4 + 2] flags (bit 0 live, bit 1 engine), [addr/4 + 3] MAGIC ^ addr. */
  private words: Uint32Array;

  constructor(private readonly memory: WebAssembly.Memory, base: number, limit: number) {
    this.top = (base + 63) & ~63;
    this.limit = limit;
    this.buffers.add(memory.buffer);
    this.words = new Uint32Array(memory.buffer);
    this.registry = new FinalizationRegistry((addr) => {
      this.stats.collectedFrees++;
      this.put(addr);
    });
  }

  /** Whether `a` is a view of this memory (its `byteOffset` is then its address). */
  has(a: TypedArray): boolean {
    return this.buffers.has(a.buffer);
  }

  setLimit(bytes: number): number {
    const prev = this.limit;
    this.limit = bytes;
    return prev;
  }

  report(): HeapStats {
    return {
      memoryBytes: this.memory.buffer.byteLength, liveBytes: this.live, highWaterBytes: this.highWater,
      freeBytes: this.freeTotal, limitBytes: this.limit, ...this.stats,
    };
  }

  /**
   * A zero-filled array of `size` elements in wasm memory, or null: too small to be worth it, a budget
   * spent (see above), or the engine refused to grow the memory. `engine`: made by the autograd engine or
   * an optimizer step, whose lifetimes the engine mostly knows.
   */
  alloc(dtype: DType, size: number, engine: boolean, zeroed = true): TypedArray | null {
    const bytes = size * BYTES[dtype];
    if (bytes < MIN_RESIDENT_BYTES) return null;
    const cap = classOf(bytes + HEADER);
    if (engine ? this.live + cap > this.limit : this.live - this.engineLive + cap > this.limit / 2) {
      this.stats.fallbacks++;
      return null;
    }
    const block = this.take(cap, zeroed ? bytes : 0);
    if (block < 0) {
      this.stats.fallbacks++;
      return null;
    }
    const w = this.words;
    w[block >>> 2] = cap;
    w[(block >>> 2) + 1] = bytes;
    w[(block >>> 2) + 2] = engine ? 3 : 1;
    w[(block >>> 2) + 3] = (MAGIC ^ block) >>> 0;
    this.count(cap, engine);
    const buf = this.memory.buffer;
    const addr = block + HEADER;
    const a = dtype === 'float32' ? new Float32Array(buf, addr, size)
      : dtype === 'float64' ? new Float64Array(buf, addr, size)
        : dtype === 'int32' ? new Int32Array(buf, addr, size) : new Uint8Array(buf, addr, size);
    this.registry.register(a, block, a);
    this.stats.allocations++;
    return a;
  }

  /** Frees `a`'s block now: the caller vouches that nothing will read or write `a` again. No-op for any array `alloc` did not make. */
  release(a: TypedArray): void {
    if (!this.owns(a)) return;
    this.registry.unregister(a);
    this.stats.engineFrees++;
    this.put(a.byteOffset - HEADER);
  }

  /** Whether `a` is the whole array of a live block (`alloc` made it, or a view of exactly the same bytes). */
  owns(a: TypedArray): boolean {
    if (!this.buffers.has(a.buffer) || a.byteOffset < HEADER + 64) return false;
    const h = (a.byteOffset - HEADER) >>> 2;
    const w = this.words;
    return (a.byteOffset & 63) === 0 && (w[h + 2]! & 1) === 1 && w[h + 1] === a.byteLength && w[h + 3] === (MAGIC ^ (h << 2)) >>> 0;
  }

  /** A raw block of at least `bytes` for the kernels' scratch (not zeroed, not counted against the limit), or -1. */
  rawAlloc(bytes: number): number {
    const cap = classOf(bytes + HEADER);
    const block = this.take(cap, 0);
    if (block < 0) return -1;
    const w = this.words;
    w[block >>> 2] = cap;
    w[(block >>> 2) + 1] = 0;
    w[(block >>> 2) + 2] = 2;
    this.count(cap, true);
    return block + HEADER;
  }

  rawFree(addr: number): void {
    this.put(addr - HEADER);
  }

  /**
   * Zeroes `bytes` at `addr`. TypedArray.fill on shared memory takes a slow element-wise path in V8 (about
   * 2.5 GB/s here); copying from a zero array runs as a block copy (about 20 GB/s).
   */
  private zero(addr: number, bytes: number): void {
    const dst = new Uint8Array(this.memory.buffer, addr, bytes);
    for (let at = 0; at < bytes; at += ZEROS.length) dst.set(bytes - at >= ZEROS.length ? ZEROS : ZEROS.subarray(0, bytes - at), at);
  }

  private count(cap: number, engine: boolean): void {
    this.live += cap;
    if (engine) this.engineLive += cap;
    if (this.live > this.highWater) this.highWater = this.live;
  }

  private put(block: number): void {
    const w = this.words;
    const cap = w[block >>> 2]!;
    const flags = w[(block >>> 2) + 2]!;
    w[(block >>> 2) + 2] = 0;
    this.live -= cap;
    if (flags & 2) this.engineLive -= cap;
    this.freeTotal += cap;
    const list = this.free.get(cap);
    if (list === undefined) this.free.set(cap, [block]);
    else list.push(block);
  }

  /** A block of `cap` bytes, the first `zero` bytes of its data zeroed: a freed one of that class, else from the top of memory (zero already). */
  private take(cap: number, zero: number): number {
    const list = this.free.get(cap);
    if (list !== undefined && list.length > 0) {
      const block = list.pop()!;
      this.freeTotal -= cap;
      if (zero > 0) this.zero(block + HEADER, zero);
      return block;
    }
    const end = this.top + cap;
    // 64 bytes of slack past the top: a kernel reading whole vectors from a view that ends a block may read
    // a few bytes past it, which must still be memory.
    const need = end + 64;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      // Grow by at least an eighth of the memory, so that a growing working set grows it rarely.
      const pages = Math.max(Math.ceil((need - have) / PAGE), Math.ceil(have / PAGE / 8));
      try {
        this.memory.grow(pages);
      } catch {
        try {
          this.memory.grow(Math.ceil((need - have) / PAGE));
        } catch {
          return -1;
        }
      }
      this.buffers.add(this.memory.buffer);
      this.words = new Uint32Array(this.memory.buffer);
    }
    const block = this.top;
    this.top = end;
    return block;
  }
}
