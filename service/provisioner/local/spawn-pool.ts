/**
 * Pre-started single-use sandboxes for `per-event` functions, so that Node's start is not on
 * the event's path. Kept per shape (everything the sandbox is made with before it knows its
 * event: memory, vcpus, disk, network, runtime), `size` of each, for the shapes asked for in
 * the last `idleMs`; a shape nobody asks for any more is emptied. `take` hands an item out at
 * most once — it leaves the pool for good. Its replacement is made when its event is over
 * (`replace`), or `replaceAfterMs` after the take for a long event, whichever comes first:
 * starting a sandbox costs the service's event loop and CPU, and that must not land on the
 * event that just took one. Missing items are made all at once (a failing start pauses the
 * shape for a while instead of spinning); a take that finds none starts them at once.
 */
export interface SpawnHooks<T> {
  create(): Promise<T>;
  destroy(item: T): Promise<void>;
  /** Still usable (its process did not die while it waited). */
  usable(item: T): boolean;
}

interface Shape<T> {
  ready: T[];
  /** Items being made now. */
  filling: number;
  lastAsked: number;
  pausedUntil: number;
  hooks: SpawnHooks<T>;
  /** Makes what is missing, should `replace` not come first. */
  replaceTimer: NodeJS.Timeout | null;
}

const MAX_SHAPES = 8;
const PAUSE_AFTER_FAILURE_MS = 30_000;

export class SpawnPool<T> {
  private readonly shapes = new Map<string, Shape<T>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** Why the last start of a pre-started sandbox failed (diagnostics). */
  lastError: string | null = null;

  constructor(
    private readonly size: number,
    private readonly idleMs: number,
    private readonly replaceAfterMs = 250,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(idleMs, 60_000)));
    this.sweeper.unref();
  }

  /**
   * A ready item of `shape`, removed from the pool for good, or null. Null starts making the
   * missing items now; an item is replaced once its event is over (`replace`), or later.
   */
  take(shape: string, hooks: SpawnHooks<T>): T | null {
    if (this.size === 0 || this.closed) return null;
    let s = this.shapes.get(shape);
    if (!s) {
      if (this.shapes.size >= MAX_SHAPES) this.evictOldest();
      s = { ready: [], filling: 0, lastAsked: 0, pausedUntil: 0, hooks, replaceTimer: null };
      this.shapes.set(shape, s);
    }
    s.lastAsked = Date.now();
    let item: T | null = null;
    while (s.ready.length > 0 && item === null) {
      const next = s.ready.shift()!;
      if (s.hooks.usable(next)) item = next;
      else this.track(s.hooks.destroy(next));
    }
    if (item === null) this.fill(s);
    else s.replaceTimer ??= setTimeout(() => this.fill(s), this.replaceAfterMs).unref();
    return item;
  }

  /** The event of an item of `shape` is over: make what the shape misses now. */
  replace(shape: string): void {
    const s = this.shapes.get(shape);
    if (s && !this.closed) this.fill(s);
  }

  /** Items ready now for `shape`, or for all shapes together (metrics). */
  readyCount(shape?: string): number {
    if (shape !== undefined) return this.shapes.get(shape)?.ready.length ?? 0;
    let n = 0;
    for (const s of this.shapes.values()) n += s.ready.length;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const s of this.shapes.values()) this.empty(s);
    this.shapes.clear();
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private fill(s: Shape<T>): void {
    if (s.replaceTimer) clearTimeout(s.replaceTimer);
    s.replaceTimer = null;
    while (!this.closed && s.ready.length + s.filling < this.size && Date.now() >= s.pausedUntil) {
      s.filling++;
      this.track(
        s.hooks.create().then(
          (item) => {
            s.filling--;
            if (this.closed || !this.isLive(s)) {
              this.track(s.hooks.destroy(item));
              return;
            }
            s.ready.push(item);
          },
          (err: unknown) => {
            s.filling--;
            s.pausedUntil = Date.now() + PAUSE_AFTER_FAILURE_MS;
            this.lastError = err instanceof Error ? err.message : String(err);
            setTimeout(() => this.fill(s), PAUSE_AFTER_FAILURE_MS).unref();
          },
        ),
      );
    }
  }

  private isLive(s: Shape<T>): boolean {
    return [...this.shapes.values()].includes(s);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, s] of this.shapes) {
      if (now - s.lastAsked < this.idleMs) continue;
      this.shapes.delete(key);
      this.empty(s);
    }
  }

  private evictOldest(): void {
    const oldest = [...this.shapes.entries()].sort((a, b) => a[1].lastAsked - b[1].lastAsked)[0];
    if (!oldest) return;
    this.shapes.delete(oldest[0]);
    this.empty(oldest[1]);
  }

  private empty(s: Shape<T>): void {
    if (s.replaceTimer) clearTimeout(s.replaceTimer);
    s.replaceTimer = null;
    for (const item of s.ready.splice(0)) this.track(s.hooks.destroy(item));
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.pending.delete(q));
    this.pending.add(q);
  }
}
