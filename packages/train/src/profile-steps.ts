// A fit callback that profiles a window of training steps (@tensile/tensor's profiler) and hands the
// Profile over: print its table, write its Chrome trace.
import { checkOptions, isProfiling, startProfiler, stopProfiler, type Profile } from '@tensile/tensor';
import type { Callback } from './callbacks.js';

export interface ProfileStepsOptions {
  /** Steps to let pass first, so the profile shows warm code (default 5). */
  skip?: number;
  /** Steps to profile (default 20); fewer if the fit ends first. */
  steps?: number;
  /** Record every backend kernel too (default true). */
  kernels?: boolean;
  /** Receives the profile once the window is over (or when the fit ends inside it). */
  onProfile: (profile: Profile) => void | Promise<void>;
}

/**
 * Profiles `steps` training steps after `skip` (everything between: the forward and backward passes, the
 * optimizer, the data loader's batching, the other callbacks) and passes the Profile to `onProfile`.
 * If the fit throws inside the window, the profiler is still running: stop it with `stopProfiler()`
 * (`isProfiling()` tells).
 * @example callbacks: [profileSteps({ steps: 20, onProfile: (p) => console.log(p.table({ limit: 20 })) })]
 */
export function profileSteps(opts: ProfileStepsOptions): Callback {
  checkOptions('profileSteps', opts, ['skip', 'steps', 'kernels', 'onProfile']);
  const { skip = 5, steps = 20, kernels = true, onProfile } = opts;
  if (!Number.isInteger(skip) || skip < 0) throw new RangeError(`profileSteps: skip must be an integer ≥ 0, got ${skip}`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`profileSteps: steps must be an integer ≥ 1, got ${steps}`);
  if (typeof onProfile !== 'function') throw new TypeError('profileSteps: onProfile must be a function (profile) => …');
  let startedAt: number | null = null;
  let done = false;
  const start = (step: number): void => {
    if (done || startedAt !== null) return;
    startProfiler({ kernels });
    startedAt = step;
  };
  const finish = async (): Promise<void> => {
    if (startedAt === null || done) return;
    done = true;
    if (isProfiling()) await onProfile(stopProfiler());
  };
  return {
    onEpochStart(ctx) {
      if (ctx.step === skip) start(ctx.step);
    },
    async onStepEnd(ctx) {
      if (startedAt === null && ctx.step === skip) start(ctx.step);
      else if (startedAt !== null && ctx.step - startedAt >= steps) await finish();
    },
    async onFitEnd() {
      await finish();
    },
  };
}
