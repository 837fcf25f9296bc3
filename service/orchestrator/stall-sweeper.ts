/**
 * Finishes what a dead process left: executions recorded but never confirmed on the queue
 * (the process died between store and queue) or whose worker's lease ran out (the worker
 * died) are put back on the work queue, once. An execution that merely
 * waits behind a backlog has its message on the queue and is left alone. Safe with many
 * processes: the claim in the store decides who runs it.
 */
import { isTransientStoreError } from '../store/store-errors.js';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import type { WorkQueue } from '../queue/queue.js';

export class StallSweeper {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly queue: WorkQueue,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; queuedForMs: number },
  ) {}

  start(): void {
    const tick = () => {
      this.sweep()
        .catch((err: unknown) => {
          // An outage is logged once by the store's health: here only a line, no stack every tick.
          if (isTransientStoreError(err)) this.logger.debug({ reason: (err as Error).message }, 'stall sweep skipped: store unreachable');
          else this.logger.warn({ err }, 'stall sweep failed');
        })
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.options.intervalMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  async sweep(now = Date.now()): Promise<number> {
    const stalled = await this.store.ledger.stalled(now, this.options.queuedForMs);
    for (const s of stalled) {
      const e = await this.store.ledger.get(s.id);
      if (!e) continue;
      await this.queue.publish({ kind: 'run', executionId: s.id, projectId: e.projectId });
      await this.store.ledger.requeued(s.id, now);
      this.logger.info({ executionId: s.id, status: s.status }, 'requeued stalled execution');
    }
    return stalled.length;
  }
}
