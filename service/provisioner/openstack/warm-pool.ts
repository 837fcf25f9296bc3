/**
 * Warm pools: per (flavor, image), `size` servers booted ahead, their runner waiting for
 * an assignment (metadata `fnstack:pool=ready`). An execution takes a ready one — still one
 * event per server: a taken server is never handed out again and is deleted on release —
 * and the pool boots a replacement in the background. A pool is created the first time its
 * key is asked for (function create/update via check(), or a miss in acquire()).
 *
 * Pools belong to the process that booted them (runner-session rows with its owner id and
 * lease); on close the ready servers are deleted, and if the process dies the reaper
 * deletes them once the lease has run out. Boot failures back off (1 s doubling to 5 min)
 * so that a quota or an image problem does not turn into a storm of create calls.
 */
import type { Logger } from 'pino';
import type { RunnerSessionStore } from '../../store/runner-session-store.js';
import type { BootSpec, BootedServer, ServerFactory } from './server-factory.js';

interface Pool {
  spec: BootSpec;
  ready: BootedServer[];
  booting: number;
  failures: number;
  retryTimer: NodeJS.Timeout | null;
  lastError: string | null;
}

export interface PoolStatus {
  key: string;
  ready: number;
  booting: number;
  lastError: string | null;
}

/** A pool per flavor, image and heap limit: a pooled server's executor is started with the limit. */
export function poolKeyOf(spec: BootSpec): string {
  return `${spec.flavor.id}/${spec.image.id}/${spec.memoryMb}`;
}

/** Delay before the next boot after `failures` failures in a row (pure): 1 s, 2 s, 4 s … 5 min. */
export function poolRetryDelayMs(failures: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, failures - 1));
}

export class WarmPool {
  private readonly pools = new Map<string, Pool>();
  private closed = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly factory: ServerFactory,
    private readonly sessions: RunnerSessionStore,
    readonly size: number,
    private readonly logger?: Pick<Logger, 'warn' | 'info'>,
  ) {}

  /** Makes sure the pool for this (flavor, image) exists and fills up. */
  warm(spec: BootSpec): void {
    if (this.size <= 0 || this.closed) return;
    const key = poolKeyOf(spec);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = { spec, ready: [], booting: 0, failures: 0, retryTimer: null, lastError: null };
      this.pools.set(key, pool);
    }
    this.refill(key, pool);
  }

  /** A ready server for this execution, or null (pool empty or not there yet). Starts the refill either way. */
  async take(spec: BootSpec, executionId: string): Promise<BootedServer | null> {
    if (this.size <= 0 || this.closed) return null;
    const key = poolKeyOf(spec);
    const pool = this.pools.get(key);
    let taken: BootedServer | null = null;
    while (pool && !taken) {
      const candidate = pool.ready.shift();
      if (!candidate) break;
      if (await this.sessions.take(candidate.sessionId, executionId)) taken = candidate;
    }
    this.warm(spec);
    return taken;
  }

  status(): PoolStatus[] {
    return [...this.pools.entries()].map(([key, p]) => ({ key, ready: p.ready.length, booting: p.booting, lastError: p.lastError }));
  }

  /** Resolves once every pool holds `size` ready servers (tests, benchmarks). */
  async filled(timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ([...this.pools.values()].some((p) => p.ready.length < this.size)) {
      if (Date.now() > until) throw new Error(`warm pools not filled within ${timeoutMs} ms: ${JSON.stringify(this.status())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops refilling and deletes every server that is not taken (booting ones once they are up). */
  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort(new Error('the warm pool is closing'));
    const discards: Promise<void>[] = [];
    for (const pool of this.pools.values()) {
      if (pool.retryTimer) clearTimeout(pool.retryTimer);
      for (const s of pool.ready.splice(0)) discards.push(this.factory.discard(s.sessionId, s.serverId));
    }
    await Promise.all(discards);
    while ([...this.pools.values()].some((p) => p.booting > 0)) await new Promise((r) => setTimeout(r, 100));
  }

  private refill(key: string, pool: Pool): void {
    if (pool.retryTimer) return; // backing off after a failure
    while (!this.closed && pool.ready.length + pool.booting < this.size) {
      pool.booting++;
      this.factory
        .boot(pool.spec, { poolKey: key }, this.stop.signal)
        .then(async (server) => {
          pool.failures = 0;
          pool.lastError = null;
          if (this.closed) await this.factory.discard(server.sessionId, server.serverId);
          else pool.ready.push(server);
        })
        .catch((err: unknown) => {
          if (this.closed) return;
          pool.failures++;
          pool.lastError = err instanceof Error ? err.message : String(err);
          const delay = poolRetryDelayMs(pool.failures);
          this.logger?.warn({ pool: key, err: pool.lastError, retryInMs: delay }, 'warm-pool server failed to boot');
          if (!this.closed && !pool.retryTimer) {
            pool.retryTimer = setTimeout(() => {
              pool.retryTimer = null;
              this.refill(key, pool);
            }, delay);
            pool.retryTimer.unref();
          }
        })
        .finally(() => {
          pool.booting--;
        });
    }
  }
}
