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

/** Runs `fn` without recording the graph (PyTorch's `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs `fn` with graph recording on, even inside `noGrad` (PyTorch's `torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
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
 * an `AnomalyError` naming the op, its input shapes and the stack where the op was called.
 */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = setDetectAnomaly(true);
  try {
    return fn();
  } finally {
    anomalyEnabled = prev;
  }
}
