// metrics.jsonl: the history as a file, one JSON record per line, appended as training goes, so a crashed
// run keeps what it measured and plots can be redrawn from the file alone. A resumed run cuts the file
// back to the records its checkpoint counts (dropping what the interrupted run wrote after it, and a line
// torn by a kill) with one truncate, which a second kill cannot leave half done.
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CheckpointError } from '../errors.js';
import type { MetricsHistory, MetricsRecord } from '../history.js';
import { decodeJson, encodeJson } from '../json.js';

/** The records of a metrics.jsonl file and the byte offset after each; stops at a torn line. */
function scan(path: string): { records: MetricsRecord[]; ends: number[] } {
  const records: MetricsRecord[] = [];
  const ends: number[] = [];
  if (!existsSync(path)) return { records, ends };
  const bytes = readFileSync(path);
  let start = 0;
  for (let nl = bytes.indexOf(10); nl >= 0; start = nl + 1, nl = bytes.indexOf(10, start)) {
    const line = bytes.subarray(start, nl).toString('utf8');
    if (line.trim() === '') continue;
    try {
      records.push(decodeJson(line) as unknown as MetricsRecord);
    } catch {
      break; // a line cut short by a kill: nothing after it was written by that run
    }
    ends.push(nl + 1);
  }
  return { records, ends };
}

/** Reads a metrics.jsonl file (up to a torn line, as a killed process may leave); [] when it does not exist. */
export function readMetrics(path: string): MetricsRecord[] {
  return scan(path).records;
}

/**
 * The history in memory and in the file `path` (created with its folder). A fresh fit empties the file; a
 * resumed one keeps the records its checkpoint counts. Checkpoints do not carry the records.
 * @example await fit({ …, history: new JsonlHistory('runs/mnist/metrics.jsonl') });
 */
export class JsonlHistory implements MetricsHistory {
  readonly path: string;
  readonly records: MetricsRecord[] = [];
  readonly inCheckpoint = false;

  constructor(path: string) {
    if (typeof path !== 'string' || path === '') throw new TypeError('JsonlHistory: path must be a non-empty string');
    this.path = path;
  }

  append(record: MetricsRecord): void {
    appendFileSync(this.path, `${encodeJson(record)}\n`);
    this.records.push(record);
  }

  clear(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, '');
    this.records.length = 0;
  }

  resume(count: number, saved: readonly MetricsRecord[] | null): void {
    mkdirSync(dirname(this.path), { recursive: true });
    if (saved !== null) {
      // The checkpoint carries the records: write them as the file, atomically.
      const tmp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(tmp, saved.map((r) => `${encodeJson(r)}\n`).join(''));
      renameSync(tmp, this.path);
      this.records.splice(0, this.records.length, ...saved);
      return;
    }
    const { records, ends } = scan(this.path);
    if (records.length < count) {
      throw new CheckpointError(
        'fit',
        `${this.path} has ${records.length} complete records but the checkpoint was written after ${count}; it belongs to another run or lost lines (pass the run's own metrics file, or resume into a new one with a MemoryHistory)`,
      );
    }
    if (existsSync(this.path)) truncateSync(this.path, count === 0 ? 0 : ends[count - 1]!);
    this.records.splice(0, this.records.length, ...records.slice(0, count));
  }

  sync(): void {
    if (!existsSync(this.path)) return;
    const fd = openSync(this.path, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
