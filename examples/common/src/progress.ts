// What the user watches: a progress bar per epoch on a terminal (cli-progress), plain lines without escape
// codes when stdout is a file or a pipe, and one summary line per epoch either way.
import cliProgress from 'cli-progress';
import { formatDuration, formatPercent, formatRate } from '@tensile/train';

/** The running numbers of an epoch, shown on the bar. */
export interface ProgressStats {
  /** Mean training loss so far this epoch. */
  loss: number;
  /** Training accuracy so far this epoch, in [0, 1]. */
  accuracy: number;
  samplesPerSec: number;
}

/** Where the lines go; `isTTY` picks the bar or plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * One epoch's progress at a time. On a terminal, a cli-progress bar with the loss, the accuracy, samples/s
 * and the ETA, cleared when the epoch ends so that only the summary line stays. Elsewhere, a plain line at
 * each quarter of the epoch.
 * @example
 * const p = new Progress();
 * p.start('epoch 1/10', 125);
 * p.update(1, { loss: 2.1, accuracy: 0.3, samplesPerSec: 2500 });
 * p.finish('epoch 1/10  train loss 0.41 …');
 */
export class Progress {
  readonly tty: boolean;
  private readonly stream: ProgressStream;
  private bar: cliProgress.SingleBar | null = null;
  private label = '';
  private total = 0;
  private startedAt = 0;
  private startValue = 0;
  private nextQuarter = 1;

  constructor(opts: { stream?: ProgressStream; tty?: boolean } = {}) {
    this.stream = opts.stream ?? process.stdout;
    this.tty = opts.tty ?? (this.stream.isTTY === true && process.env.TERM !== 'dumb');
  }

  /** Starts a bar of `total` steps; `done` of them are already behind (a resumed epoch). */
  start(label: string, total: number, done = 0): void {
    this.stopBar();
    this.label = label;
    this.total = total;
    this.startValue = done;
    this.startedAt = performance.now();
    this.nextQuarter = Math.floor((4 * done) / Math.max(total, 1)) + 1;
    if (!this.tty) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream as NodeJS.WritableStream,
        format: '{label} {bar} {value}/{total} | loss {loss} | acc {acc} | {speed} samples/s | ETA {eta_formatted}',
        barsize: 24,
        hideCursor: false,
        clearOnComplete: true,
        etaBuffer: 20,
        fps: 8,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, done, { label, loss: '-', acc: '-', speed: '-' });
  }

  /** `done` steps of the epoch are finished. */
  update(done: number, stats: ProgressStats): void {
    const payload = { label: this.label, loss: stats.loss.toFixed(4), acc: formatPercent(stats.accuracy), speed: formatRate(stats.samplesPerSec) };
    if (this.bar) {
      this.bar.update(done, payload);
      return;
    }
    if (this.total >= 8 && done < this.total && done >= (this.nextQuarter * this.total) / 4) {
      while (done >= (this.nextQuarter * this.total) / 4) this.nextQuarter += 1;
      const elapsed = (performance.now() - this.startedAt) / 1000;
      const eta = (elapsed / Math.max(done - this.startValue, 1)) * (this.total - done);
      const pct = Math.floor((100 * done) / this.total);
      this.line(`${this.label}  ${String(pct).padStart(3)}% ${done}/${this.total}  loss ${payload.loss}  acc ${payload.acc}  ${payload.speed} samples/s  ETA ${formatDuration(eta)}`);
    }
  }

  /** Ends the epoch's bar and prints its summary line. */
  finish(summary: string): void {
    this.stopBar();
    this.line(summary);
  }

  /** Ends the epoch's bar without a summary (training stopped). */
  stop(): void {
    this.stopBar();
  }

  /** Prints a line (above the bar, if one is showing). */
  line(text: string): void {
    if (this.bar) {
      // cli-progress redraws the bar on the next update; clear the line first so the text stands alone.
      this.stream.write(`\r\x1b[K${text}\n`);
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  private stopBar(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
  }
}
