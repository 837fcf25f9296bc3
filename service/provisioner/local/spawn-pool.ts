/**
 * Pre-started single-use sandboxes for `per-event` functions, so that Node's start is not on
 * the event's path. Kept per shape (everything the sandbox is made with before it knows its
 * event: memory, vcpus, disk, network, runtime), `size` of each, for the shapes asked for in
 * the last `idleMs`; a shape nobody asks for any more is emptied. `take` hands an item out at
 * most once — it leaves the pool for good — and starts making its replacement in the
 * background, all missing ones at once (a failing start pauses the shape for a while instead
 * of spinning).
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
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(idleMs, 60_000)));
    this.sweeper.unref();
  }

  /** A ready item of `shape`, removed from the pool for good, or null; either way the shape is (re)filled. */
  take(shape: string, hooks: SpawnHooks<T>): T | null {
    if (this.size === 0 || this.closed) return null;
    let s = this.shapes.get(shape);
    if (!s) {
      if (this.shapes.size >= MAX_SHAPES) this.evictOldest();
      s = { ready: [], filling: 0, lastAsked: 0, pausedUntil: 0, hooks };
      this.shapes.set(shape, s);
    }
    s.lastAsked = Date.now();
    let item: T | null = null;
    while (s.ready.length > 0 && item === null) {
      const next = s.ready.shift()!;
      if (s.hooks.usable(next)) item = next;
      else this.track(s.hooks.destroy(next));
    }
    this.fill(s);
    return item;
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
    for (const s of this.shapes.values()) for (const item of s.ready.splice(0)) this.track(s.hooks.destroy(item));
    this.shapes.clear();
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private fill(s: Shape<T>): void {
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
      for (const item of s.ready.splice(0)) this.track(s.hooks.destroy(item));
    }
  }

  private evictOldest(): void {
    const oldest = [...this.shapes.entries()].sort((a, b) => a[1].lastAsked - b[1].lastAsked)[0];
    if (!oldest) return;
    this.shapes.delete(oldest[0]);
    for (const item of oldest[1].ready.splice(0)) this.track(oldest[1].hooks.destroy(item));
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.pending.delete(q));
    this.pending.add(q);
  }
}
