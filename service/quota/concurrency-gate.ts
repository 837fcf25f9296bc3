/**
 * The concurrency quota, enforced where executions start: the orchestrator asks the gate
 * to claim an execution, and the gate claims it only while the project has fewer than its
 * `concurrent_executions` executions provisioning or running. Over the limit the execution
 * is not failed: the gate waits a little (`holdMs`) for a slot, then answers `deferred`, and
 * the orchestrator puts the work back on the queue. Queued events wait; nothing is lost.
 *
 * Within one process the check and the claim are serialized per project, so the limit is
 * exact there; several worker processes may overshoot it by the claims racing at that moment.
 */
import type { QuotaLimits } from '../config.js';
import type { Execution } from '../model.js';
import type { Store } from '../store/store.js';

export type Admission = 'claimed' | 'lost' | 'deferred';

export interface ConcurrencyGateOptions {
  /** How long to wait for a free slot before deferring, ms. Default 2000. */
  holdMs?: number;
  /** How often to look again while waiting, ms. Default 200. */
  pollMs?: number;
}

export class ConcurrencyGate {
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #holdMs: number;
  readonly #pollMs: number;

  constructor(
    private readonly store: Store,
    private readonly defaults: Readonly<QuotaLimits>,
    options: ConcurrencyGateOptions = {},
  ) {
    this.#holdMs = options.holdMs ?? 2_000;
    this.#pollMs = options.pollMs ?? 200;
  }

  /**
   * Runs `claim` once the execution's project has a free slot. `lost`: the claim failed
   * (another worker holds the execution); `deferred`: no slot came free within `holdMs`.
   */
  async admit(execution: Pick<Execution, 'projectId' | 'status'>, claim: () => Promise<boolean>, signal?: AbortSignal): Promise<Admission> {
    // Taking over from a dead worker: the execution already holds a slot.
    if (execution.status !== 'queued') return (await claim()) ? 'claimed' : 'lost';
    const scope = this.store.forProject(execution.projectId);
    const deadline = Date.now() + this.#holdMs;
    for (;;) {
      const admitted = await this.serialized(execution.projectId, async () => {
        const { limit, active } = await scope.quotas.concurrency(this.defaults);
        if (active >= limit) return null;
        return (await claim()) ? 'claimed' : 'lost';
      });
      if (admitted) return admitted;
      if (Date.now() + this.#pollMs > deadline || signal?.aborted) return 'deferred';
      await new Promise((r) => setTimeout(r, this.#pollMs));
    }
  }

  /** Runs `fn` with the project's check-and-claim to itself in this process (the direct lane creates claimed executions under it). */
  async serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === tail) this.#locks.delete(key);
    }
  }
}
