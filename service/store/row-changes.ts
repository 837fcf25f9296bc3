/**
 * Wake-ups on rows used as mailboxes: a write to a row through this process wakes this
 * process's waiters on that row at once, instead of at their next poll, and, with a relay
 * (RabbitMQ), the other processes' waiters too. Waiters still poll, since a hint may be lost;
 * a wake-up is an optimisation, never needed for correctness. Watch before reading the row,
 * wait after: a write between the two is seen.
 */
export interface RowWatch {
  /** Resolves at the first change since the watch began (at once if there was one), after `ms`, or on abort. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  /** Stops watching (`wait` does it itself). */
  stop(): void;
}

/** Carries a row's news to the other processes and back (RabbitMQ: queue/rabbit-finished-bus.ts). */
export interface ChangeRelay {
  publish(id: string): void;
  subscribe(onChange: (id: string) => void): void;
}

export class RowChanges {
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly relays = new Set<ChangeRelay>();

  /** The row was written here: wake this process's watchers, and the other processes' through the relays. */
  changed(id: string): void {
    this.wake(id);
    for (const relay of this.relays) relay.publish(id);
  }

  /**
   * Relays news between processes until the returned function is called: what this process
   * writes is published, what is published wakes this process's watchers (a hint: a watcher
   * reads the row itself, so a lost or forged one costs a poll or a read).
   */
  relay(relay: ChangeRelay): () => void {
    this.relays.add(relay);
    let on = true;
    relay.subscribe((id) => on && this.wake(id));
    return () => {
      on = false;
      this.relays.delete(relay);
    };
  }

  private wake(id: string): void {
    const set = this.watchers.get(id);
    if (!set) return;
    this.watchers.delete(id);
    for (const notify of set) notify();
  }

  watch(id: string): RowWatch {
    let fired = false;
    let wake: (() => void) | null = null;
    const onChange = () => {
      fired = true;
      wake?.();
    };
    const stop = () => {
      const set = this.watchers.get(id);
      if (!set?.delete(onChange)) return;
      if (set.size === 0) this.watchers.delete(id);
    };
    let set = this.watchers.get(id);
    if (!set) this.watchers.set(id, (set = new Set()));
    set.add(onChange);
    return {
      stop,
      wait: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (fired || signal?.aborted) {
            stop();
            return resolve();
          }
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            wake = null;
            stop();
            resolve();
          };
          const timer = setTimeout(done, ms);
          wake = done;
          signal?.addEventListener('abort', done, { once: true });
        }),
    };
  }

  /** Rows with a watcher now (tests: nothing is left behind). */
  get watched(): number {
    return this.watchers.size;
  }
}

/** Runner sessions (runner-session-store.ts): every store of this process writes through here. */
export const runnerSessionChanges = new RowChanges();
