let gradEnabled = true;
let anomalyEnabled = false;

/** Whether ops record the graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Sets grad mode and returns the previous value (for try/finally restores). */
export function setGradEnabled(on: boolean): boolean {
  const prev = gradEnabled;
  gradEnabled = on;
  return prev;
}

/** Whether `v` is a promise or another thenable: what an async function returns. */
function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` with a global mode flag set by `set(on)` (which returns the previous value), restored afterwards.
 * A global flag cannot follow an async function: after its first `await`, other code runs while the flag
 * is set, and the rest of the function runs after the flag was restored. Such a function is refused
 * (before it runs, when it is declared `async`; else as soon as it returns a promise, with the flag
 * already restored).
 */
export function scoped<T>(name: string, mode: string, set: (on: boolean) => boolean, on: boolean, fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`${name}: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  if (fn.constructor.name === 'AsyncFunction' || fn.constructor.name === 'AsyncGeneratorFunction') throw asyncError(name, mode);
  const prev = set(on);
  let out: T;
  try {
    out = fn();
  } finally {
    set(prev);
  }
  if (isThenable(out)) {
    // The caller never sees this promise; keep a later rejection from being reported as unhandled on top of this error.
    out.then(undefined, () => undefined);
    throw asyncError(name, mode);
  }
  return out;
}

function asyncError(name: string, mode: string): TypeError {
  return new TypeError(
    `${name}: the function is async (it returned a promise), but ${mode} is a global flag that cannot follow it ` +
      `across await; call ${name} inside the async function around the synchronous work instead: ` +
      `const y = ${name}(() => model.forward(x)); then await what you need`,
  );
}

/**
 * Runs `fn` without recording the graph (PyTorch's `torch.no_grad()`). `fn` must be synchronous: an async
 * function is refused (see the error's hint), since the mode cannot follow it across `await`.
 * @example const y = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  return scoped('noGrad', 'grad mode', setGradEnabled, false, fn);
}

/**
 * Runs `fn` with graph recording on, even inside `noGrad` (PyTorch's `torch.enable_grad()`). Synchronous
 * functions only, as `noGrad`.
 */
export function enableGrad<T>(fn: () => T): T {
  return scoped('enableGrad', 'grad mode', setGradEnabled, true, fn);
}

export function isAnomalyEnabled(): boolean {
  return anomalyEnabled;
}

/** Turns anomaly detection on or off globally; returns the previous value. */
export function setDetectAnomaly(on: boolean): boolean {
  const prev = anomalyEnabled;
  anomalyEnabled = on;
  return prev;
}

/**
 * Runs `fn` with anomaly detection: the first NaN or Inf produced by an op's forward or backward throws
 * an `AnomalyError` naming the op, its input shapes and the stack where the op was called. Synchronous
 * functions only, as `noGrad`.
 */
export function detectAnomaly<T>(fn: () => T): T {
  return scoped('detectAnomaly', 'anomaly detection', setDetectAnomaly, true, fn);
}
