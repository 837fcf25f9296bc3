/**
 * A "still waiting" indicator with the elapsed time, on stderr. On a terminal it animates in
 * place. Elsewhere (pipes, CI logs) it stays silent for short waits, so quick commands and
 * their errors keep a clean stderr, and then writes a plain line now and then.
 */
import { CLEAR_LINE, isInteractive, type TermStream } from './terminal.js';
import { humanDuration } from './units.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function renderSpinner(frame: number, text: string, elapsedMs: number): string {
  return `${FRAMES[frame % FRAMES.length]} ${text} (${elapsed(elapsedMs)})`;
}

/** Tenths of a second while short: steadier to watch than humanDuration's milliseconds. */
function elapsed(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : humanDuration(ms);
}

export interface SpinnerTiming {
  /** Terminal redraw interval. */
  frameMs: number;
  /** Without a terminal: silence before the first plain line, then the interval between lines. */
  plainAfterMs: number;
  plainEveryMs: number;
}

const DEFAULT_TIMING: SpinnerTiming = { frameMs: 100, plainAfterMs: 2_000, plainEveryMs: 30_000 };

export class Spinner {
  private timers: NodeJS.Timeout[] = [];
  private frame = 0;
  private readonly started = Date.now();
  private readonly interactive: boolean;

  constructor(
    private readonly stream: TermStream,
    private text: string,
    private readonly timing: SpinnerTiming = DEFAULT_TIMING,
  ) {
    this.interactive = isInteractive(stream);
  }

  start(): this {
    if (this.interactive) {
      this.draw();
      this.schedule(setInterval(() => this.draw(), this.timing.frameMs));
    } else {
      this.schedule(
        setTimeout(() => {
          this.plainLine();
          this.schedule(setInterval(() => this.plainLine(), this.timing.plainEveryMs));
        }, this.timing.plainAfterMs),
      );
    }
    return this;
  }

  setText(text: string): void {
    this.text = text;
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  stop(): void {
    if (this.timers.length === 0) return;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    if (this.interactive) this.stream.write(CLEAR_LINE);
  }

  private schedule(timer: NodeJS.Timeout): void {
    timer.unref();
    this.timers.push(timer);
  }

  private draw(): void {
    this.stream.write(CLEAR_LINE + renderSpinner(this.frame++, this.text, this.elapsedMs()));
  }

  private plainLine(): void {
    this.stream.write(`${this.text}… (${elapsed(this.elapsedMs())})\n`);
  }
}
