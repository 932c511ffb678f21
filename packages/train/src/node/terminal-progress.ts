// What the user watches in a terminal: a progress bar per epoch (cli-progress) with the running loss and
// accuracy, samples/s and the ETA, cleared at the epoch's end so only its summary line stays; plain lines at
// each quarter of the epoch when stdout is a file or a pipe.
import cliProgress from 'cli-progress';
import { checkOptions } from '@tensile/tensor';
import type { Callback, FitContext } from '../callbacks.js';
import { formatDuration, formatLr, formatPercent, formatRate } from '../format.js';
import type { EpochRecord, MetricValues } from '../history.js';

/** Where the lines go; `isTTY` picks the bar or plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** `loss 0.4123  acc 88.12%  mae 0.0312`: a metric group as the summary line shows it. */
export function formatMetrics(values: MetricValues | undefined): string {
  return Object.entries(values ?? {})
    .map(([k, v]) => (k === 'accuracy' ? `acc ${formatPercent(v)}` : `${k} ${Number.isFinite(v) ? v.toFixed(4) : String(v)}`))
    .join('  ');
}

/**
 * The summary line of an epoch: `epoch  3/10  loss …  │  val loss …  │  lr 1.00e-3  2.1s  24,512 samples/s`;
 * `valLabel` names the validation metrics (`test` when the validation loader is the test set).
 */
export function epochSummary(record: EpochRecord, epochs: number, valLabel = 'val'): string {
  const label = `epoch ${String(record.epoch).padStart(String(epochs).length)}/${epochs}`;
  const val = record.val ? `  │  ${valLabel} ${formatMetrics(record.val)}` : '';
  return `${label}  ${formatMetrics(record.train)}${val}  │  lr ${formatLr(record.lr)}  ${formatDuration(record.seconds)}  ${formatRate(record.samplesPerSec)} samples/s`;
}

/**
 * A callback that draws fit's progress on `stream` (default stdout): a bar per epoch on a terminal, plain
 * lines elsewhere, and one summary line per epoch either way. `line(text)` prints above the bar.
 * @example
 * const bar = new TerminalProgress();
 * bar.line('mnist-mlp · 101,770 parameters');
 * await fit({ …, callbacks: [bar] });
 */
export class TerminalProgress implements Callback {
  readonly tty: boolean;
  private readonly stream: ProgressStream;
  private bar: cliProgress.SingleBar | null = null;
  private label = '';
  private total = 0;
  private startValue = 0;
  private nextQuarter = 1;
  private began = 0;
  private samplesBefore = 0;

  private readonly valLabel: string;
  private readonly prefix: string;

  /**
   * `valLabel` names the validation metrics on the summary line (default `val`); `prefix` starts each line
   * about an epoch (the bar, the quarter lines, the summary, the stop line): a run's name, padded so that
   * several runs' lines align.
   */
  constructor(opts: { stream?: ProgressStream; tty?: boolean; valLabel?: string; prefix?: string } = {}) {
    checkOptions('TerminalProgress', opts, ['stream', 'tty', 'valLabel', 'prefix']);
    this.valLabel = opts.valLabel ?? 'val';
    if (typeof this.valLabel !== 'string' || this.valLabel === '') throw new TypeError(`TerminalProgress: valLabel must be a non-empty string, got ${JSON.stringify(opts.valLabel)}`);
    this.prefix = opts.prefix ?? '';
    if (typeof this.prefix !== 'string') throw new TypeError(`TerminalProgress: prefix must be a string, got ${JSON.stringify(opts.prefix)}`);
    this.stream = opts.stream ?? process.stdout;
    this.tty = opts.tty ?? (this.stream.isTTY === true && process.env.TERM !== 'dumb');
  }

  onEpochStart(ctx: FitContext): void {
    this.stopBar();
    this.label = `${this.prefix}epoch ${String(ctx.epoch).padStart(String(ctx.epochs).length)}/${ctx.epochs}`;
    this.total = ctx.batchesPerEpoch;
    this.startValue = ctx.batch;
    this.began = performance.now();
    this.samplesBefore = ctx.batch === 0 ? 0 : Math.round((ctx.samplesPerEpoch * ctx.batch) / ctx.batchesPerEpoch);
    this.nextQuarter = Math.floor((4 * ctx.batch) / Math.max(this.total, 1)) + 1;
    if (!this.tty) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream as NodeJS.WritableStream,
        format: '{label} {bar} {value}/{total} | loss {loss} | acc {acc} | {speed} samples/s | ETA {eta_formatted}',
        barsize: 24, hideCursor: false, clearOnComplete: true, etaBuffer: 20, fps: 8,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(this.total, ctx.batch, { label: this.label, loss: '-', acc: '-', speed: '-' });
  }

  onStepEnd(ctx: FitContext): void {
    const done = ctx.batch;
    const elapsed = (performance.now() - this.began) / 1000;
    const samples = Math.round((ctx.samplesPerEpoch * done) / ctx.batchesPerEpoch) - this.samplesBefore;
    const { loss, accuracy } = ctx.running;
    const payload = {
      label: this.label,
      loss: loss === undefined ? '-' : loss.toFixed(4),
      acc: accuracy === undefined ? '-' : formatPercent(accuracy),
      speed: formatRate(samples / Math.max(elapsed, 1e-9)),
    };
    if (this.bar) {
      this.bar.update(done, payload);
      return;
    }
    if (this.total >= 8 && done < this.total && done >= (this.nextQuarter * this.total) / 4) {
      while (done >= (this.nextQuarter * this.total) / 4) this.nextQuarter += 1;
      const eta = (elapsed / Math.max(done - this.startValue, 1)) * (this.total - done);
      const pct = Math.floor((100 * done) / this.total);
      this.line(`${this.label}  ${String(pct).padStart(3)}% ${done}/${this.total}  loss ${payload.loss}  acc ${payload.acc}  ${payload.speed} samples/s  ETA ${formatDuration(eta)}`);
    }
  }

  onEpochEnd(ctx: FitContext, record: EpochRecord): void {
    this.stopBar();
    this.line(`${this.prefix}${epochSummary(record, ctx.epochs, this.valLabel)}`);
  }

  onFitEnd(ctx: FitContext): void {
    this.stopBar();
    if (ctx.stopped) this.line(`${this.prefix}stopped at step ${ctx.stopped.step}: ${ctx.stopped.message}`);
  }

  /** Removes the bar, if one is showing: for a fit that threw (it then calls no `onFitEnd`). */
  stop(): void {
    this.stopBar();
  }

  /** Prints a line (above the bar, if one is showing). */
  line(text: string): void {
    // cli-progress redraws the bar on its next update; clear the line first so the text stands alone.
    this.stream.write(this.bar ? `\r\x1b[K${text}\n` : `${text}\n`);
  }

  private stopBar(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
