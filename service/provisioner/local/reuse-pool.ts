/**
 * Bookkeeping of `isolation: reuse` (no processes here): warm sandboxes keyed by function
 * version, each serving one event at a time. A sandbox is kept while busy and for `idleMs`
 * after its last event; there are at most `maxPerFunction` per key and `maxPerProject` per
 * project. When the caps are reached an event waits for a sandbox of its key to come free
 * (or, when another function of the project holds an idle one, that one is destroyed to make
 * room). Keys never cross: a sandbox only ever serves the key it was made for.
 */
export interface ReusePoolOptions {
  /** How long an idle warm sandbox is kept, ms. */
  idleMs: number;
  /** Warm sandboxes per function version. */
  maxPerFunction: number;
  /** Warm sandboxes per project, all its functions together. */
  maxPerProject: number;
}

export interface ReuseHooks<S> {
  create(): Promise<S>;
  destroy(sandbox: S): Promise<void>;
}

export interface Taken<S> {
  sandbox: S;
  /** Events this sandbox served before this one (0: it is new). */
  reuseCount: number;
}

interface Slot<S> {
  key: string;
  project: string;
  sandbox: S | null; // null while being created
  busy: boolean;
  uses: number;
  idleTimer: NodeJS.Timeout | null;
}

interface Waiter<S> {
  key: string;
  project: string;
  hooks: ReuseHooks<S>;
  resolve: (t: Taken<S>) => void;
  reject: (err: unknown) => void;
}

export class ReusePool<S> {
  private readonly slots = new Set<Slot<S>>();
  private readonly bySandbox = new Map<S, Slot<S>>();
  /** How each slot's sandbox is destroyed: the hooks of the event that made it. */
  private readonly hooksOf = new Map<Slot<S>, ReuseHooks<S>>();
  private waiters: Waiter<S>[] = [];
  private closed = false;

  constructor(private readonly options: ReusePoolOptions) {
    for (const k of ['idleMs', 'maxPerFunction', 'maxPerProject'] as const) {
      if (!Number.isInteger(options[k]) || options[k] < 1) throw new TypeError(`ReusePoolOptions.${k} must be a positive integer`);
    }
  }

  /** Warm sandboxes now: serving an event, and idle (kept for the next one). */
  counts(): { busy: number; idle: number } {
    let busy = 0;
    for (const s of this.slots) if (s.busy) busy++;
    return { busy, idle: this.slots.size - busy };
  }

  /** A free warm sandbox of `key`, a new one when the caps allow, else the next one to come free. */
  take(key: string, project: string, hooks: ReuseHooks<S>, signal?: AbortSignal): Promise<Taken<S>> {
    if (this.closed) return Promise.reject(new Error('the reuse pool is closed'));
    return new Promise<Taken<S>>((resolve, reject) => {
      const waiter: Waiter<S> = { key, project, hooks, resolve, reject };
      this.waiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          if (!this.waiters.includes(waiter)) return;
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(signal.reason);
        },
        { once: true },
      );
      this.pump();
    });
  }

  /** Hands a sandbox back after its event; an unhealthy one is destroyed and its place freed. */
  give(sandbox: S, healthy: boolean): Promise<void> {
    const slot = this.bySandbox.get(sandbox);
    if (!slot) return Promise.resolve();
    slot.busy = false;
    if (!healthy || this.closed) return this.drop(slot);
    slot.idleTimer = setTimeout(() => {
      if (!slot.busy) void this.drop(slot);
    }, this.options.idleMs);
    slot.idleTimer.unref();
    this.pump();
    return Promise.resolve();
  }

  /** Warm sandboxes now (busy or idle), per key; for tests and the start log. */
  count(key?: string): number {
    return [...this.slots].filter((s) => key === undefined || s.key === key).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('the reuse pool is closed'));
    await Promise.all([...this.slots].filter((s) => !s.busy).map((s) => this.drop(s)));
  }

  private pump(): void {
    for (const w of [...this.waiters]) {
      const idle = [...this.slots].find((s) => s.key === w.key && !s.busy && s.sandbox !== null);
      if (idle) {
        this.remove(w);
        if (idle.idleTimer) clearTimeout(idle.idleTimer);
        idle.idleTimer = null;
        idle.busy = true;
        w.resolve({ sandbox: idle.sandbox!, reuseCount: idle.uses++ });
        continue;
      }
      const ofKey = [...this.slots].filter((s) => s.key === w.key).length;
      const ofProject = [...this.slots].filter((s) => s.project === w.project);
      if (ofKey >= this.options.maxPerFunction) continue;
      if (ofProject.length >= this.options.maxPerProject) {
        const victim = ofProject.find((s) => !s.busy && s.sandbox !== null && s.key !== w.key);
        if (!victim) continue;
        this.remove(w);
        this.create(w);
        void this.drop(victim);
        continue;
      }
      this.remove(w);
      this.create(w);
    }
  }

  private create(w: Waiter<S>): void {
    const slot: Slot<S> = { key: w.key, project: w.project, sandbox: null, busy: true, uses: 1, idleTimer: null };
    this.slots.add(slot);
    w.hooks.create().then(
      (sandbox) => {
        slot.sandbox = sandbox;
        this.bySandbox.set(sandbox, slot);
        w.resolve({ sandbox, reuseCount: 0 });
      },
      (err: unknown) => {
        this.slots.delete(slot);
        w.reject(err);
        this.pump();
      },
    );
    this.hooksOf.set(slot, w.hooks);
  }

  private async drop(slot: Slot<S>): Promise<void> {
    if (!this.slots.has(slot)) return;
    this.slots.delete(slot);
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    const hooks = this.hooksOf.get(slot);
    this.hooksOf.delete(slot);
    if (slot.sandbox !== null) this.bySandbox.delete(slot.sandbox);
    this.pump();
    if (slot.sandbox !== null) await hooks?.destroy(slot.sandbox).catch(() => undefined);
  }

  private remove(w: Waiter<S>): void {
    this.waiters = this.waiters.filter((x) => x !== w);
  }
}
