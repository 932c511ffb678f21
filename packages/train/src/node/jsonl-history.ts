// metrics.jsonl: the history as a file, one JSON record per line, appended as training goes, so a crashed
// run keeps what it measured and plots can be redrawn from the file alone. A resumed run cuts the file
// back to the records its checkpoint counts (dropping what the interrupted run wrote after it, and a line
// torn by a kill) with one truncate, which a second kill cannot leave half done.
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { checkOptions } from '@tensile/tensor';
import { CheckpointError } from '../errors.js';
import type { MetricsHistory, MetricsRecord } from '../history.js';
import { decodeJson, encodeJson } from '../json.js';

/** The records of a metrics.jsonl file, each line's text and the byte offset after it; stops at a torn line. */
function scan(path: string): { records: MetricsRecord[]; lines: string[]; ends: number[] } {
  const records: MetricsRecord[] = [];
  const lines: string[] = [];
  const ends: number[] = [];
  if (!existsSync(path)) return { records, lines, ends };
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
    lines.push(line);
    ends.push(nl + 1);
  }
  return { records, lines, ends };
}

/** Reads a metrics.jsonl file (up to a torn line, as a killed process may leave); [] when it does not exist. */
export function readMetrics(path: string): MetricsRecord[] {
  return scan(path).records;
}

/** Replaces the file's contents with `lines`, atomically (a temporary file renamed over it). */
function rewrite(path: string, lines: readonly string[]): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, lines.map((l) => `${l}\n`).join(''));
  renameSync(tmp, path);
}

/**
 * The history in memory and in the file `path` (created with its folder). A fresh fit empties the file; a
 * resumed one keeps the records its checkpoint counts. Checkpoints do not carry the records.
 *
 * With `run`, several runs share the file, one after another (the optimizer comparison): each record is
 * written with `"run": <name>`, `records` holds this run's, and a fresh or resumed fit removes or cuts back
 * only this run's lines (rewriting the file atomically), keeping the other runs' as they were.
 * @example await fit({ …, history: new JsonlHistory('runs/mnist/metrics.jsonl') });
 * @example await fit({ …, history: new JsonlHistory('runs/compare/metrics.jsonl', { run: 'adam' }) });
 */
export class JsonlHistory implements MetricsHistory {
  readonly path: string;
  /** The name written into each record when runs share the file, or null. */
  readonly run: string | null;
  readonly records: MetricsRecord[] = [];
  readonly inCheckpoint = false;

  constructor(path: string, opts: { run?: string } = {}) {
    if (typeof path !== 'string' || path === '') throw new TypeError('JsonlHistory: path must be a non-empty string');
    checkOptions('JsonlHistory', opts, ['run']);
    if (opts.run !== undefined && (typeof opts.run !== 'string' || opts.run === '')) {
      throw new TypeError(`JsonlHistory: run must be a non-empty string, got ${JSON.stringify(opts.run)}`);
    }
    this.path = path;
    this.run = opts.run ?? null;
  }

  append(record: MetricsRecord): void {
    const tagged = this.run === null ? record : this.tag(record);
    appendFileSync(this.path, `${encodeJson(tagged)}\n`);
    this.records.push(tagged);
  }

  clear(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    if (this.run === null) writeFileSync(this.path, '');
    else {
      const { records, lines } = scan(this.path);
      rewrite(this.path, lines.filter((_, i) => records[i]!.run !== this.run));
    }
    this.records.length = 0;
  }

  resume(count: number, saved: readonly MetricsRecord[] | null): void {
    mkdirSync(dirname(this.path), { recursive: true });
    if (this.run !== null) {
      this.resumeShared(count, saved);
      return;
    }
    if (saved !== null) {
      // The checkpoint carries the records: write them as the file, atomically.
      rewrite(this.path, saved.map((r) => encodeJson(r)));
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

  /** `resume` in a file runs share: the other runs' lines stay, this run's are cut back to `count`. */
  private resumeShared(count: number, saved: readonly MetricsRecord[] | null): void {
    const { records, lines } = scan(this.path);
    const others = lines.filter((_, i) => records[i]!.run !== this.run);
    const own = records.filter((r) => r.run === this.run).slice(0, count);
    if (saved !== null) {
      const tagged = saved.map((r) => this.tag(r));
      rewrite(this.path, [...others, ...tagged.map((r) => encodeJson(r))]);
      this.records.splice(0, this.records.length, ...tagged);
      return;
    }
    if (own.length < count) {
      throw new CheckpointError(
        'fit',
        `${this.path} has ${own.length} complete records of the run "${this.run}" but the checkpoint was written after ${count}; it belongs to another run or lost lines`,
      );
    }
    // Kept in file order: the first `count` lines of this run stay where they were, the rest go.
    let n = 0;
    rewrite(this.path, lines.filter((_, i) => records[i]!.run !== this.run || n++ < count));
    this.records.splice(0, this.records.length, ...own);
  }

  /** The record with this run's name, written right after its type, where a reader of the file looks first. */
  private tag(record: MetricsRecord): MetricsRecord {
    const { type, ...rest } = record;
    return { type, run: this.run!, ...rest } as MetricsRecord;
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
