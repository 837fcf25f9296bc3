/**
 * The embedded default's work queue: rows in the store. A consumer claims a row by
 * setting a lock with an expiry; a consumer that dies leaves the lock to expire, and the
 * message is delivered again. Consumers in the same process are woken at once on
 * publish; others poll.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { ConsumeOptions, Consumer, Delivery, QueueStats, WorkMessage, WorkQueue } from './queue.js';

export interface StoreQueueOptions {
  /** Queue name (rows of several queues share the table). Default `work`. */
  queue?: string;
  /** How long a claimed message stays invisible to others, ms. Default 30 s; renewed while handled. */
  visibilityMs?: number;
  /** Poll interval when idle, ms. Default 250. */
  pollMs?: number;
}

/** How often a consumer renews its row in queue_consumers, and how old a row may be to count. */
const CONSUMER_BEAT_MS = 5_000;
const CONSUMER_STALE_MS = 20_000;

export class StoreQueue implements WorkQueue {
  readonly name = 'store';
  private readonly wake = new EventEmitter();
  private readonly queue: string;
  private readonly visibilityMs: number;
  private readonly pollMs: number;
  /** Every consumer's stop, so that close() lets go of all claims like a dropped connection. */
  private readonly consumers = new Set<() => void>();

  constructor(
    private readonly db: Kysely<Database>,
    options: StoreQueueOptions = {},
  ) {
    this.queue = options.queue ?? 'work';
    this.visibilityMs = options.visibilityMs ?? 30_000;
    this.pollMs = options.pollMs ?? 250;
    this.wake.setMaxListeners(0);
  }

  async publish(message: WorkMessage): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('queue_messages')
      .values({ queue: this.queue, payload: JSON.stringify(message), attempts: 0, available_at: now, locked_by: null, locked_until: null, last_error: null, created_at: now })
      .execute();
    this.wake.emit('message');
  }

  async consume(handler: (d: Delivery) => Promise<void>, options: ConsumeOptions): Promise<Consumer> {
    const consumerId = randomUUID();
    let stopping = false;
    const inFlight = new Set<Promise<void>>();
    let timer: NodeJS.Timeout | null = null;
    let pumping: Promise<void> | null = null;
    const renewals = new Set<NodeJS.Timeout>();

    /**
     * The last look found nothing more to claim: a finished handler does not look again (one
     * statement saved per message); a publish in this process or the poll timer does.
     */
    let empty = false;
    let look = false;
    const drain = async (): Promise<void> => {
      try {
        for (let lost = 0; !stopping && !empty && inFlight.size < options.prefetch; ) {
          const { rows, exhausted } = await this.claimSome(consumerId, options.prefetch - inFlight.size);
          if (exhausted) empty = true;
          if (rows.length === 0 && ++lost >= 5) break; // others won every race: the timer comes back
          for (const row of rows) {
            if (stopping) {
              // Claimed while stopping: hand it back at once rather than run it after the stop.
              await this.release(row.id, consumerId);
              continue;
            }
            const p: Promise<void> = this.handle(row, consumerId, handler, renewals)
              .catch(() => undefined) // a handler's failure is its own to report; an unsettled message comes back after its lock
              .finally(() => {
                inFlight.delete(p);
                void pump();
              });
            inFlight.add(p);
          }
        }
      } catch {
        // The store is unreachable for now: the poll timer tries again.
      }
    };
    /** One drain at a time; `pumping` is cleared only after it is set (a drain may finish at once). */
    let again = false;
    const pump = (lookAgain = false): Promise<void> => {
      if (stopping) return Promise.resolve();
      if (lookAgain) look = true;
      if (pumping) {
        again = true; // a slot or a message came while draining: drain once more after it
        return pumping;
      }
      if (look) {
        // Set only now: a drain under way may have looked before the new message was there.
        look = false;
        empty = false;
      }
      const run: Promise<void> = drain().finally(() => {
        if (pumping === run) pumping = null;
        if (again) {
          again = false;
          void pump();
        }
      });
      pumping = run;
      return run;
    };
    const onWake = () => void pump(true);
    await this.beat(consumerId);
    const beating = setInterval(() => void this.beat(consumerId), CONSUMER_BEAT_MS);
    beating.unref();
    const halt = () => {
      stopping = true;
      clearInterval(beating);
      void this.db.deleteFrom('queue_consumers').where('id', '=', consumerId).execute().catch(() => undefined);
      if (timer) clearTimeout(timer);
      this.wake.off('message', onWake);
      for (const r of renewals) clearInterval(r);
    };
    this.consumers.add(halt);
    this.wake.on('message', onWake);
    const schedule = () => {
      timer = setTimeout(() => {
        void pump(true).finally(() => !stopping && schedule());
      }, this.pollMs);
    };
    schedule();
    void pump(true);

    return {
      stop: async () => {
        halt();
        this.consumers.delete(halt);
        await pumping; // a claim under way is handed back, not run after the stop
        await Promise.allSettled([...inFlight]);
      },
    };
  }

  /**
   * Claims up to `max` available messages, oldest first, with one look; `exhausted` when the
   * look found fewer than `max` (nothing more to claim as of now).
   */
  private async claimSome(consumerId: string, max: number): Promise<{ rows: Array<{ id: number; payload: string; attempts: number }>; exhausted: boolean }> {
    const now = Date.now();
    const candidates = await this.db
      .selectFrom('queue_messages')
      .select(['id', 'payload', 'attempts'])
      .where('queue', '=', this.queue)
      .where('available_at', '<=', now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .orderBy('id')
      .limit(max)
      .execute();
    const rows: Array<{ id: number; payload: string; attempts: number }> = [];
    for (const candidate of candidates) {
      const r = await this.db
        .updateTable('queue_messages')
        .set({ locked_by: consumerId, locked_until: now + this.visibilityMs, attempts: candidate.attempts + 1 })
        .where('id', '=', candidate.id)
        .where('attempts', '=', candidate.attempts)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) rows.push({ ...candidate, attempts: candidate.attempts + 1 });
    }
    return { rows, exhausted: candidates.length < max };
  }

  private async handle(row: { id: number; payload: string; attempts: number }, consumerId: string, handler: (d: Delivery) => Promise<void>, renewals: Set<NodeJS.Timeout>): Promise<void> {
    // Keep the message invisible while the handler works (a run can outlast the visibility window).
    const renew = setInterval(() => {
      void this.db
        .updateTable('queue_messages')
        .set({ locked_until: Date.now() + this.visibilityMs })
        .where('id', '=', row.id)
        .where('locked_by', '=', consumerId)
        .execute()
        .catch(() => undefined);
    }, Math.max(500, this.visibilityMs / 3));
    renewals.add(renew);
    let settled = false;
    const settle = async (fn: () => Promise<unknown>) => {
      if (settled) return;
      settled = true;
      clearInterval(renew);
      renewals.delete(renew);
      await fn();
    };
    let message: WorkMessage;
    try {
      message = JSON.parse(row.payload) as WorkMessage;
    } catch {
      message = { raw: row.payload } as unknown as WorkMessage; // poison: the consumer dead-letters it
    }
    const delivery: Delivery = {
      message,
      attempt: row.attempts,
      ack: () => settle(() => this.db.deleteFrom('queue_messages').where('id', '=', row.id).execute()),
      retry: (delayMs, reason) =>
        settle(() =>
          this.db
            .updateTable('queue_messages')
            .set({ locked_by: null, locked_until: null, available_at: Date.now() + delayMs, last_error: reason })
            .where('id', '=', row.id)
            .execute(),
        ),
      deadLetter: (reason) =>
        settle(() =>
          this.db.transaction().execute(async (trx) => {
            await trx
              .insertInto('dead_letters')
              .values({ id: randomUUID(), project_id: typeof message.projectId === 'string' ? message.projectId : null, queue: this.queue, payload: row.payload, reason, attempts: row.attempts, created_at: Date.now() })
              .execute();
            await trx.deleteFrom('queue_messages').where('id', '=', row.id).execute();
          }),
        ),
    };
    try {
      await handler(delivery);
    } finally {
      clearInterval(renew);
      renewals.delete(renew);
    }
  }

  /** Unlocks a message this consumer claimed but will not handle (its attempt is not counted). */
  private async release(id: number, consumerId: string): Promise<void> {
    await this.db
      .updateTable('queue_messages')
      .set((eb) => ({ locked_by: null, locked_until: null, attempts: eb('attempts', '-', 1) }))
      .where('id', '=', id)
      .where('locked_by', '=', consumerId)
      .execute()
      .catch(() => undefined); // the lock expires by itself
  }

  async stats(): Promise<QueueStats> {
    const now = Date.now();
    const [m, c] = await Promise.all([
      this.db.selectFrom('queue_messages').select((eb) => eb.fn.countAll<number>().as('n')).where('queue', '=', this.queue).where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)])).executeTakeFirstOrThrow(),
      this.db.selectFrom('queue_consumers').select((eb) => eb.fn.countAll<number>().as('n')).where('queue', '=', this.queue).where('seen_at', '>=', now - CONSUMER_STALE_MS).executeTakeFirstOrThrow(),
    ]);
    return { messages: Number(m.n), consumers: Number(c.n) };
  }

  /** This consumer is alive (a failed write only makes it look gone a little early). */
  private async beat(consumerId: string): Promise<void> {
    const now = Date.now();
    try {
      const r = await this.db.updateTable('queue_consumers').set({ seen_at: now }).where('id', '=', consumerId).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) await this.db.insertInto('queue_consumers').values({ id: consumerId, queue: this.queue, seen_at: now }).execute();
    } catch {
      // the store is unreachable: the consumer cannot take work either
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.db.selectFrom('queue_messages').select('id').limit(1).execute();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    for (const halt of this.consumers) halt();
    this.consumers.clear();
    this.wake.removeAllListeners();
  }
}
