/**
 * A small bounded map whose entries end at a given time. Keys are hashed so that no
 * credential is kept in memory in the clear. The clock is injectable (tests).
 */
import { createHash } from 'node:crypto';

export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const k = digest(key);
    const hit = this.#entries.get(k);
    if (!hit) return undefined;
    if (hit.until <= this.now()) {
      this.#entries.delete(k);
      return undefined;
    }
    return hit.value;
  }

  /** Keeps `value` until `until` (ms since epoch); nothing is kept for a time already past. */
  set(key: string, value: V, until: number): void {
    const k = digest(key);
    this.#entries.delete(k);
    if (until <= this.now()) return;
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(k, { value, until });
  }

  delete(key: string): void {
    this.#entries.delete(digest(key));
  }

  deleteWhere(match: (value: V) => boolean): void {
    for (const [k, e] of this.#entries) if (match(e.value)) this.#entries.delete(k);
  }

  get size(): number {
    return this.#entries.size;
  }
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
