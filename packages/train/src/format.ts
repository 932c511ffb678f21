// Number formats for the lines a user reads.

/** `0.8812` → `"88.12%"`. */
export function formatPercent(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '-';
}

/** Seconds as `"0.8s"`, `"42s"`, `"3m 05s"` or `"1h 02m"`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${String(Math.round(seconds - 60 * m)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** A rate with thousands separators: `2580.4` → `"2,580"`. */
export function formatRate(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-';
}

/** A learning rate: `0.001` → `"1.00e-3"`. */
export function formatLr(x: number): string {
  if (x === 0) return '0';
  const [m, e] = x.toExponential(2).split('e');
  return `${m}e${Number(e)}`;
}
