// metrics.jsonl: one JSON object per line, one line per training step and per epoch, appended as training
// goes, so a crashed run keeps what it measured and a plot can be redrawn from the file alone.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

/** One line of metrics.jsonl. `run` names the optimizer in the comparison; single runs omit it. */
export type MetricsRecord =
  | { type: 'step'; run?: string; epoch: number; step: number; loss: number; accuracy: number; lr: number }
  | {
      type: 'epoch'; run?: string; epoch: number; step: number; lr: number;
      trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number;
      seconds: number; samplesPerSec: number;
    };

/** Reads a metrics.jsonl file (skipping a torn last line, as a killed process may leave). */
export function readMetrics(path: string): MetricsRecord[] {
  if (!existsSync(path)) return [];
  const out: MetricsRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as MetricsRecord);
    } catch {
      // A line cut short by a kill: everything after it was never written.
      break;
    }
  }
  return out;
}

/**
 * Appends records to `path`. A fresh run starts the file; a resumed one keeps the records up to the
 * checkpoint's step (`keepUpToStep`) and drops what the interrupted run wrote after it. A run resumed into
 * another folder takes those records from the metrics.jsonl of the folder it was resumed from (`from`).
 */
export class MetricsLog {
  readonly path: string;
  readonly records: MetricsRecord[];

  constructor(path: string, opts: { keepUpToStep?: number; from?: string } = {}) {
    this.path = path;
    const { keepUpToStep, from = path } = opts;
    this.records = keepUpToStep === undefined ? [] : readMetrics(from).filter((r) => r.step <= keepUpToStep);
    writeFileSync(path, this.records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  write(record: MetricsRecord): void {
    this.records.push(record);
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
  }
}
