/**
 * Whether this process can do its job now, as /ready answers it (the API's and the operator
 * listener's). Every process needs the store and the queue; a process that takes requests
 * also needs a worker consuming the work queue somewhere — else a sync invoke would wait
 * for nobody (see WorkerPresence).
 */
import type { Store } from '../store/store.js';
import type { WorkQueue } from '../queue/queue.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export async function readinessOf(store: Store, queue: WorkQueue, needWorkers: boolean): Promise<Readiness> {
  const [s, q] = await Promise.all([store.ping(), queue.ping()]);
  const checks: Record<string, string> = { store: s ? 'ok' : 'unreachable', queue: q ? 'ok' : 'unreachable' };
  let workersOk = true;
  if (needWorkers && q) {
    const consumers = await queue.stats().then((st) => st.consumers, () => null);
    workersOk = consumers !== null && consumers > 0;
    checks.workers = consumers === null ? 'unknown: the queue did not answer' : consumers > 0 ? `ok: ${consumers} consuming the work queue` : NO_WORKER;
  }
  return { ready: s && q && workersOk, checks };
}

export const NO_WORKER = 'none: no worker consumes the work queue (start `fnstack server --role worker`)';

/**
 * Whether any worker consumes the work queue, asked at most every `ttlMs`: a sync invoke
 * checks it before it waits, and fails fast (503) rather than wait for nobody.
 */
export class WorkerPresence {
  private cached: { at: number; consumers: number | null } | null = null;

  constructor(
    private readonly queue: WorkQueue,
    private readonly ttlMs = 2_000,
  ) {}

  /** The consumer count, or null when the queue cannot tell now (then callers do not refuse). */
  async consumers(now = Date.now()): Promise<number | null> {
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.consumers;
    const consumers = await this.queue.stats().then((s) => s.consumers, () => null);
    this.cached = { at: now, consumers };
    return consumers;
  }
}
