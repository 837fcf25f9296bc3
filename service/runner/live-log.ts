/**
 * Carries a run's output to wherever it is kept while the run goes on: bytes come in as the
 * function writes them (already within the log cap, see OutputCapture), are decoded as UTF-8
 * across chunk boundaries, and leave in batches — at most one write in flight and one every
 * `intervalMs` — so that a chatty function costs a few store writes a second, not one per
 * line. What waits between batches is bounded by the cap the caller applies upstream.
 * A failed write keeps its text for the next one: the final outcome carries the whole logs
 * anyway. Node builtins only: the VM runner uses it too.
 */
import { StringDecoder } from 'node:string_decoder';

export class LiveLog {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly write: (text: string) => Promise<void>,
    private readonly intervalMs = 250,
  ) {}

  push(part: Buffer): void {
    if (this.closed) return;
    this.pending += this.decoder.write(part);
    if (this.pending.length > 0 && !this.timer) this.timer = setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** Writes what is left; after it, pushes are ignored. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.timer = null;
    if (this.inFlight) return this.inFlight.then(() => this.flush());
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = '';
    this.inFlight = this.write(text)
      .catch(() => {
        this.pending = text + this.pending;
      })
      .finally(() => {
        this.inFlight = null;
        if (!this.closed && this.pending.length > 0 && !this.timer) this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      });
    return this.inFlight;
  }
}
