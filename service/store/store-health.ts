/**
 * Whether the database answers, as one state every store call consults (a circuit breaker).
 *
 * - The store's own failures open it: a transient error, or a connection acquire still
 *   waiting after `suspectAfterMs`, makes it probe the database on a connection of its
 *   own (outside the pool); a failed probe opens it. A busy pool alone never does: its
 *   probe succeeds.
 * - While open, store calls fail at once with StoreUnavailableError (503 `not_ready`)
 *   instead of queuing behind the pool for its acquire timeout, and acquires already
 *   waiting are rejected too.
 * - A background probe every `probeIntervalMs` closes it as soon as the database answers.
 * - Each change of state is logged once ("store unreachable" / "store reachable again").
 */
import { StoreUnavailableError, isTransientStoreError } from './store-errors.js';

export type StoreState = 'up' | 'down';

/** The part of a pino logger the health uses. */
export interface HealthLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface StoreHealthOptions {
  /** Checks the database on a connection outside the pool; rejects when it does not answer. */
  probe: () => Promise<void>;
  /** How often a down store is probed, and the least time between probes of an up one, ms. Default 1000. */
  probeIntervalMs?: number;
  /** An acquire still waiting after this long (and every such period after) makes the health probe the database, ms. Default 1000. */
  suspectAfterMs?: number;
  /** A probe not answered within this long has failed, ms. Default 3000. */
  probeTimeoutMs?: number;
  logger?: HealthLogger;
}

export class StoreHealth {
  #state: StoreState = 'up';
  #reason = '';
  #downSince = 0;
  #probing: Promise<void> | null = null;
  #lastProbeAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #waiters = new Set<(err: Error) => void>();
  readonly #probe: () => Promise<void>;
  readonly #intervalMs: number;
  readonly #suspectAfterMs: number;
  readonly #probeTimeoutMs: number;
  readonly #log: HealthLogger | undefined;

  constructor(options: StoreHealthOptions) {
    this.#probe = options.probe;
    this.#intervalMs = options.probeIntervalMs ?? 1000;
    this.#suspectAfterMs = options.suspectAfterMs ?? 1000;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? 3000;
    this.#log = options.logger;
  }

  /** A health that is always up (SQLite: there is no server to lose). */
  static alwaysUp(): StoreHealth {
    return new StoreHealth({ probe: async () => undefined });
  }

  get state(): StoreState {
    return this.#state;
  }

  /** Why the store is down (the probe's error), or ''. */
  get reason(): string {
    return this.#reason;
  }

  /** Throws StoreUnavailableError while the store is known to be unreachable. */
  assertUp(): void {
    if (this.#state === 'down') throw this.#unavailable();
  }

  /**
   * Acquires unless the store is known to be unreachable, and waits for it unless the store
   * is found unreachable first: then rejects at once, and a connection that still comes
   * later goes to `release`. While the acquire waits, the health probes the database every
   * `suspectAfterMs`.
   */
  guard<T>(acquire: () => Promise<T>, release: (value: T) => void): Promise<T> {
    if (this.#state === 'down') return Promise.reject(this.#unavailable());
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (then: () => void): boolean => {
        if (settled) return false;
        settled = true;
        clearInterval(suspect);
        this.#waiters.delete(onDown);
        then();
        return true;
      };
      const onDown = (err: Error) => settle(() => reject(err));
      const suspect = setInterval(() => void this.check(), this.#suspectAfterMs);
      suspect.unref();
      this.#waiters.add(onDown);
      acquire().then(
        (value) => {
          if (!settle(() => resolve(value))) release(value);
        },
        (err: unknown) => {
          this.report(err);
          settle(() => reject(err as Error));
        },
      );
    });
  }

  /** A store call failed: a transient failure makes the health check the database. */
  report(err: unknown): void {
    if (!(err instanceof StoreUnavailableError) && isTransientStoreError(err)) void this.check();
  }

  /** Probes the database now (one probe at a time; at most one per `probeIntervalMs` while up). */
  check(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#probing) return this.#probing;
    if (this.#state === 'up' && Date.now() - this.#lastProbeAt < this.#intervalMs) return Promise.resolve();
    this.#probing = this.#probeOnce().finally(() => {
      this.#probing = null;
      this.#lastProbeAt = Date.now();
    });
    return this.#probing;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #probeOnce(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#probe(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${this.#probeTimeoutMs} ms`)), this.#probeTimeoutMs))),
      ]);
      this.#markUp();
    } catch (err) {
      this.#markDown(err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  #markDown(reason: string): void {
    if (this.#closed) return;
    this.#reason = reason;
    if (this.#state === 'up') {
      this.#state = 'down';
      this.#downSince = Date.now();
      this.#log?.warn({ reason }, 'store unreachable; answering 503 until it is back');
      const err = this.#unavailable();
      for (const reject of [...this.#waiters]) reject(err);
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.check();
    }, this.#intervalMs);
    this.#timer.unref();
  }

  #markUp(): void {
    if (this.#state === 'up') return;
    this.#state = 'up';
    this.#reason = '';
    this.#log?.info({ downForMs: Date.now() - this.#downSince }, 'store reachable again');
  }

  #unavailable(): StoreUnavailableError {
    return new StoreUnavailableError();
  }
}
