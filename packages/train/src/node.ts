// @tensile/train/node: everything in @tensile/train, plus what needs Node: atomic checkpoint files,
// metrics.jsonl, a terminal progress bar, and writing plots to a folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export * from './index.js';
export { saveCheckpoint, loadCheckpoint, fileCheckpoint } from './node/checkpoint-file.js';
export { JsonlHistory, readMetrics } from './node/jsonl-history.js';
export { TerminalProgress, epochSummary, formatMetrics, type ProgressStream } from './node/terminal-progress.js';

/**
 * Writes SVG (or any text) files by name into `dir` (created if needed); returns the paths.
 * @example writePlots('runs/mnist', classificationPlots(history.records, { classes }));
 */
export function writePlots(dir: string, files: Readonly<Record<string, string>>): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(files).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
