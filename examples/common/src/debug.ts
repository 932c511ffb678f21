// What the examples share for looking inside a run: --summary (the model's table before training) and
// --profile <file> (20 steps after 5 profiled: the per-op and per-module tables, and a Chrome trace).
import { summary, type Module, type SummaryOptimizer } from '@tensile/nn';
import { isProfiling, stopProfiler, type Tensor } from '@tensile/tensor';
import { writeChromeTrace } from '@tensile/tensor/node';
import { profileSteps, type Callback } from '@tensile/train';
import { bool, path } from './args.js';
import { userPath } from './paths.js';

/** Steps skipped before profiling (the first steps warm up) and steps profiled. */
export const PROFILE_SKIP = 5;
export const PROFILE_STEPS = 20;

/** The flags --summary and --profile <file>. */
export function debugFlags() {
  return {
    summary: bool('print the model summary first: each layer\'s output shape and parameters, and the memory for parameters, gradients and optimizer state'),
    profile: path(
      `profile ${PROFILE_STEPS} training steps (after ${PROFILE_SKIP}): print the per-op and per-module tables and write a Chrome trace to this file, with the wasm kernels and each worker thread on tracks of their own (open it in ui.perfetto.dev or chrome://tracing)`,
      { value: '<file>' },
    ),
  };
}

/** The debug flags are not settings of a run: a resumed run may give them anew. */
export const DEBUG_FLAGS: readonly string[] = ['summary', 'profile'];

/** Where the examples print: TerminalProgress's `line`. */
export interface LinePrinter {
  line(text: string): void;
}

/**
 * Prints `summary(model, batch)` when `--summary` was given. `batch` is one batch of the model's inputs as
 * forward takes them; `optimizer` (its state or kind) sizes the optimizer-state line.
 */
export function printSummary(
  values: { summary?: boolean },
  out: LinePrinter,
  model: Module,
  batch: () => Tensor,
  optimizer?: SummaryOptimizer,
): void {
  if (values.summary !== true) return;
  out.line(summary(model, batch(), optimizer === undefined ? {} : { optimizer }).toString());
}

/**
 * The fit callback of `--profile <file>` (none without it): profiles steps 6–25, then prints the tables
 * and writes the Chrome trace.
 */
export function profileCallbacks(values: { profile?: string }, out: LinePrinter): Callback[] {
  if (values.profile === undefined) return [];
  const file = userPath(values.profile);
  return [profileSteps({
    skip: PROFILE_SKIP, steps: PROFILE_STEPS,
    onProfile: async (p) => {
      out.line(p.table({ limit: 20 }));
      out.line(p.table({ groupBy: 'module', limit: 12 }));
      await writeChromeTrace(file, p);
      out.line(`  profile of ${PROFILE_STEPS} steps: Chrome trace in ${file} (open it in https://ui.perfetto.dev or chrome://tracing)`);
    },
  })];
}

/** After a failed fit: a profile still recording is stopped (its window had not ended). */
export function stopProfiling(): void {
  if (isProfiling()) stopProfiler();
}
