/** Upload progress on stderr: redrawn in place on a terminal, silent otherwise. */
import { CLEAR_LINE, isInteractive, type TermStream } from './terminal.js';
import { humanSize } from './units.js';

export function renderProgressBar(label: string, sent: number, total: number, columns = 80): string {
  const ratio = total > 0 ? Math.min(1, sent / total) : 1;
  const counts = `${humanSize(sent)} / ${humanSize(total)}`;
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  const fixed = label.length + counts.length + percent.length + 8;
  const barWidth = Math.max(10, Math.min(40, columns - fixed - 1));
  const filled = Math.round(ratio * barWidth);
  return `${label}  [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]  ${counts} ${percent}`;
}

export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: TermStream,
    private readonly label: string,
    private readonly minIntervalMs = 80,
  ) {}

  update(sent: number, total: number): void {
    if (!isInteractive(this.stream)) return;
    const now = Date.now();
    if (sent < total && now - this.lastDraw < this.minIntervalMs) return;
    this.lastDraw = now;
    this.drawn = true;
    this.stream.write(CLEAR_LINE + renderProgressBar(this.label, sent, total, this.stream.columns || 80));
  }

  /** Removes the bar, so whatever comes next starts on a clean line. */
  done(): void {
    if (this.drawn) this.stream.write(CLEAR_LINE);
    this.drawn = false;
  }
}
