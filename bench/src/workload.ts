// What a workload file exports, and what a measurement records.
import type { Framework } from './frameworks.js';
import type { PairedStats, Stats } from './harness.js';

/** One measured row of a workload, e.g. W5 "matmul 512 Aᵀ·B". */
export interface Variant {
  /** Stable key shared with the PyTorch script, e.g. 'W5-512-AtB'. */
  id: string;
  workload: string;
  label: string;
  unit: string;
  /** Skipped by --quick unless --only names this variant. */
  heavy?: boolean;
  /** Measures a Tensile feature the peers lack (W1-guard): not sent to the PyTorch script. */
  tensileOnly?: boolean;
}

/** A prepared case: `fn` is one timed call worth `unitsPerCall` units (samples, GFLOP, ops). */
export interface Case {
  fn: () => void;
  unitsPerCall: number;
  dispose?: () => void;
  /**
   * A paired measurement against a baseline, after the main one (W1-guard: the same step with the guard
   * off and on, interleaved in this process, for about `seconds`).
   */
  paired?: (seconds: number) => PairedStats;
}

export interface Workload {
  id: string;
  title: string;
  variants: Variant[];
  /** Why this framework cannot run this variant by design (shown as n/a), or undefined. */
  notApplicable?(fw: Framework, v: Variant): string | undefined;
  /** Builds the case with `fw` active; may throw (recorded as a failure, the suite goes on). */
  build(fw: Framework, v: Variant): Case | Promise<Case>;
}

/** One cell of the results: a framework's figure for a variant, or why there is none. */
export interface Result {
  variant: string;
  workload: string;
  label: string;
  unit: string;
  framework: string;
  stats?: Stats;
  /** The case's paired measurement (W1-guard: guard on against off, interleaved), when it has one. */
  paired?: PairedStats;
  /** The case failed (message), e.g. tfjs-wasm has no conv2d filter gradient. */
  error?: string;
  /** Not applicable by design (reason). */
  na?: string;
}
