/**
 * Collects a run's stdout and stderr in arrival order up to a byte cap. Beyond the cap
 * chunks are still read (so the function never blocks on a full pipe) but dropped, and
 * the text ends with a marker line. `onKept` sees every kept byte as it arrives (live logs),
 * so what it is given never exceeds the cap either. It also notices V8's fatal heap-exhaustion message,
 * even past the cap, so that a heap OOM is reported as such.
 */
export const HEAP_OOM_MARKER = 'JavaScript heap out of memory';

export class OutputCapture {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private seen = 0;
  private tail = Buffer.alloc(0);
  private heapOom = false;

  constructor(
    readonly limitBytes: number,
    private readonly onKept?: (part: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    this.seen += chunk.length;
    const room = this.limitBytes - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(part);
      this.kept += part.length;
      this.onKept?.(part);
    }
    if (!this.heapOom) {
      const head = chunk.subarray(0, HEAP_OOM_MARKER.length);
      this.heapOom = chunk.includes(HEAP_OOM_MARKER) || Buffer.concat([this.tail, head]).includes(HEAP_OOM_MARKER);
      this.tail = Buffer.concat([this.tail, chunk.subarray(-HEAP_OOM_MARKER.length)]).subarray(-HEAP_OOM_MARKER.length);
    }
  }

  get truncated(): boolean {
    return this.seen > this.kept;
  }

  get totalBytes(): number {
    return this.seen;
  }

  get sawHeapOutOfMemory(): boolean {
    return this.heapOom;
  }

  text(): string {
    const body = Buffer.concat(this.chunks, this.kept).toString('utf8');
    if (!this.truncated) return body;
    const sep = body.length === 0 || body.endsWith('\n') ? '' : '\n';
    return `${body}${sep}[fnstack: output truncated after ${this.limitBytes} bytes]\n`;
  }
}
