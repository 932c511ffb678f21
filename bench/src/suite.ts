// The workloads of the suite and how one case is measured: shared by run.ts and the child processes that
// measure a Tensile column in another engine configuration (build-child.ts).
import type { Framework } from './frameworks.js';
import { gc, measure, settle, type TimingOptions } from './harness.js';
import { fmtPaired } from './report.js';
import type { Result, Variant, Workload } from './workload.js';
import w1 from './w1-mlp.bench.js';
import w2 from './w2-mlp-b256.bench.js';
import w3 from './w3-mlp-wide.bench.js';
import w4 from './w4-lenet.bench.js';
import w5 from './w5-matmul.bench.js';
import w6 from './w6-overhead.bench.js';
import w8 from './w8-transformer.bench.js';
import w9 from './w9-lstm.bench.js';

export const WORKLOADS: Workload[] = [w1, w2, w3, w4, w5, w6, w8, w9];

export function selected(only: string[] | null, workload: string, variant?: Variant, quick = false): boolean {
  const named = (id: string) => !!only && only.some((o) => o.toLowerCase() === id.toLowerCase());
  if (variant && named(variant.id)) return true;
  if (quick && variant?.heavy) return false;
  return !only || named(workload);
}

export async function runCase(w: Workload, fw: Framework, v: Variant, timing: TimingOptions): Promise<Result> {
  const base = { variant: v.id, workload: w.id, label: v.label, unit: v.unit, framework: fw.id };
  const na = w.notApplicable?.(fw, v);
  if (na) return { ...base, na };
  let c;
  try {
    await fw.activate();
    await settle();
    c = await w.build(fw, v);
    const stats = measure(`${v.id} ${fw.id}`, c.fn, c.unitsPerCall, timing);
    gc();
    const paired = c.paired?.(timing.pairedSeconds);
    return { ...base, stats, ...(paired ? { paired } : {}) };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
    return { ...base, error: msg };
  } finally {
    try {
      c?.dispose?.();
    } catch {
      /* a failed case may not dispose cleanly */
    }
    gc();
  }
}

/** Prints one measured cell as run.ts does. */
export function logResult(v: Variant, fw: string, r: Result): void {
  const s = r.stats;
  console.log(`  ${v.id.padEnd(13)} ${fw.padEnd(13)} ${s ? `${s.median.toPrecision(4)} ${v.unit} (min ${s.min.toPrecision(4)}, max ${s.max.toPrecision(4)}, ${s.samples} samples)` : r.na ? `n/a: ${r.na}` : `FAILS: ${r.error}`}`);
  if (r.paired) console.log(`  ${''.padEnd(13)} ${''.padEnd(13)} paired: ${fmtPaired(r.paired)}`);
}
