/**
 * A "still waiting" indicator with the elapsed time, on stderr. On a terminal it animates in
 * place; elsewhere (pipes, CI logs) it writes the text once, so logs stay readable.
 */
import { CLEAR_LINE, isInteractive, type TermStream } from './terminal.js';
import { humanDuration } from './units.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function renderSpinner(frame: number, text: string, elapsedMs: number): string {
  return `${FRAMES[frame % FRAMES.length]} ${text} (${humanDuration(elapsedMs)})`;
}

export class Spinner {
  private timer: NodeJS.Timeout | null = null;
  private frame = 0;
  private readonly started = Date.now();

  constructor(
    private readonly stream: TermStream,
    private text: string,
  ) {}

  start(): this {
    if (!isInteractive(this.stream)) {
      this.stream.write(`${this.text}…\n`);
      return this;
    }
    this.draw();
    this.timer = setInterval(() => this.draw(), 100);
    this.timer.unref();
    return this;
  }

  setText(text: string): void {
    if (text === this.text) return;
    this.text = text;
    if (!isInteractive(this.stream)) this.stream.write(`${text}…\n`);
  }

  elapsedMs(): number {
    return Date.now() - this.started;
  }

  stop(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.stream.write(CLEAR_LINE);
    }
  }

  private draw(): void {
    this.stream.write(CLEAR_LINE + renderSpinner(this.frame++, this.text, this.elapsedMs()));
  }
}
