// The metrics history of a run: one record per training step and one per epoch, in order. In a browser
// it is an array (`MemoryHistory`); in Node, `JsonlHistory` from `@tensile/train/node` also appends each
// record to metrics.jsonl as it goes. A checkpoint stores how many records were written, so a resumed
// run drops what the interrupted one wrote after its checkpoint and continues the same sequence.
import { CheckpointError } from './errors.js';

/** Metric values by name (`loss`, `accuracy`, a user metric). */
export type MetricValues = Readonly<Record<string, number>>;

/** One training step: the batch's loss, the rate this step used, and the step's metrics. */
export interface StepRecord {
  readonly type: 'step';
  /** The run's name, when several runs share one history file (`JsonlHistory`'s `run` option); absent otherwise. */
  readonly run?: string;
  /** The epoch under way (1 for the first). */
  readonly epoch: number;
  /** Optimizer steps taken, this one included (1 for the first). */
  readonly step: number;
  /** The batch of the epoch (1 for the first). */
  readonly batch: number;
  /** The learning rate of the first parameter group at this step. */
  readonly lr: number;
  /** `loss` and the step's other metrics (batch means). */
  readonly metrics: MetricValues;
}

/** One epoch: the means over its training batches, the validation results, the time. */
export interface EpochRecord {
  readonly type: 'epoch';
  /** The run's name, when several runs share one history file; absent otherwise. */
  readonly run?: string;
  readonly epoch: number;
  /** Optimizer steps taken by the end of this epoch. */
  readonly step: number;
  /** The learning rate of the last step of this epoch. */
  readonly lr: number;
  /** Training metrics: sample-weighted means over the epoch's batches. */
  readonly train: MetricValues;
  /** Metrics on the validation loader (absent without one). */
  readonly val?: MetricValues;
  /** Wall time of the epoch in this process (training and validation): the one field a resume does not reproduce. */
  readonly seconds: number;
  /** Training samples per second of this process: wall-clock too. */
  readonly samplesPerSec: number;
}

/** A line of the history. */
export type MetricsRecord = StepRecord | EpochRecord;

/**
 * Where `fit` writes its records. `records` holds them in order; `resume` trims to the first `count` of a
 * previous run (or takes `saved` from a checkpoint) before a resumed run continues.
 */
export interface MetricsHistory {
  readonly records: readonly MetricsRecord[];
  append(record: MetricsRecord): void;
  /** Starts a fresh run: no records. */
  clear(): void;
  /**
   * Continues a run from a checkpoint taken after `count` records; `saved` are those records when the
   * checkpoint carries them. Throws a CheckpointError when they cannot be had.
   */
  resume(count: number, saved: readonly MetricsRecord[] | null): void;
  /** Whether checkpoints should carry the records (true when nothing else keeps them, as an array in a page). */
  readonly inCheckpoint: boolean;
  /** Makes the records written so far durable; called before each checkpoint. */
  sync?(): void | Promise<void>;
}

/**
 * The history as an array. Checkpoints carry its records (`inCheckpoint`, default true), so a run resumed
 * in a new page gets them back; pass `{ inCheckpoint: false }` to keep checkpoints small and the records
 * yourself.
 * @example
 * const history = new MemoryHistory();
 * await fit({ model, optimizer, train, epochs: 3, history });
 * lossChart(history.records);
 */
export class MemoryHistory implements MetricsHistory {
  readonly records: MetricsRecord[] = [];
  readonly inCheckpoint: boolean;

  constructor(opts: { inCheckpoint?: boolean } = {}) {
    this.inCheckpoint = opts.inCheckpoint ?? true;
  }

  append(record: MetricsRecord): void {
    this.records.push(record);
  }

  clear(): void {
    this.records.length = 0;
  }

  resume(count: number, saved: readonly MetricsRecord[] | null): void {
    if (saved !== null) {
      if (saved.length !== count) throw new CheckpointError('fit', `the checkpoint carries ${saved.length} metrics records but says ${count} were written`);
      this.records.splice(0, this.records.length, ...saved);
      return;
    }
    if (this.records.length < count) {
      throw new CheckpointError(
        'fit',
        `the checkpoint was written after ${count} metrics records but this history has ${this.records.length} and the checkpoint carries none (it was written with inCheckpoint: false)`,
      );
    }
    this.records.length = count;
  }
}

/**
 * A metric of an epoch record by path: `"val.loss"`, `"train.accuracy"`, `"lr"`; undefined when absent.
 * @example metricOf(record, 'val.accuracy') // 0.9712
 */
export function metricOf(record: EpochRecord, path: string): number | undefined {
  if (path === 'lr') return record.lr;
  const [group, name] = path.split('.', 2) as [string, string | undefined];
  if (name === undefined || (group !== 'train' && group !== 'val')) return undefined;
  return record[group]?.[name];
}

/**
 * The records of a history several runs share (each tagged with `run`, as `JsonlHistory`'s `run` option
 * writes them), by run name in order of first appearance; untagged records are under `""`.
 * @example const byRun = recordsByRun(readMetrics('runs/compare/metrics.jsonl')); lossChart(byRun.get('adam')!);
 */
export function recordsByRun(records: readonly MetricsRecord[]): Map<string, MetricsRecord[]> {
  const out = new Map<string, MetricsRecord[]>();
  for (const r of records) {
    const name = r.run ?? '';
    let list = out.get(name);
    if (list === undefined) out.set(name, (list = []));
    list.push(r);
  }
  return out;
}
