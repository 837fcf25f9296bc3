/**
 * One consumer of the RabbitMQ work queue: its own channel (so `prefetch` is its own),
 * re-registered by amqp-connection-manager after every reconnect.
 *
 * A message is always acked on the channel it was delivered on (never through the
 * wrapper, whose channel may have been replaced since): an ack for a channel that is
 * gone is dropped, because the broker has already put the message back.
 *
 * A delivery with the broker's `redelivered` flag had an earlier delivery that was never
 * settled (its consumer or connection died). It is not handed to the handler: a copy with
 * the attempt header incremented goes to the tail of the work queue and the original is
 * acked. So every delivery counts, even when the same message kills its consumer again
 * and again (which a boolean flag alone could not show), and the orchestrator's attempt
 * limit dead-letters it in the end.
 */
import type { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import { backoffMs, isWorkMessage, type Consumer, type Delivery, type WorkMessage } from './queue.js';
import { attemptOf, declareWorkQueue, type TopologyNames } from './rabbit-topology.js';
import { firstConnect, settlesWithin, type QueueLogger } from './rabbit-support.js';

/** What a consumer needs from its queue to settle a message other than by ack. */
export interface Settler {
  /** A copy of `msg` to the tail of the work queue as attempt `attempt`; resolves on confirm. */
  requeue(msg: ConsumeMessage, attempt: number): Promise<void>;
  /** A copy of `msg` to a delay queue, back on the work queue after `delayMs` as attempt `attempt + 1`. */
  retryLater(msg: ConsumeMessage, attempt: number, delayMs: number, reason: string): Promise<void>;
  /** Records the dead letter in the store and publishes it to the dead-letter queue. */
  deadLetter(msg: ConsumeMessage, attempt: number, reason: string, message: WorkMessage | null): Promise<void>;
}

export interface RabbitConsumerDeps {
  conn: AmqpConnectionManager;
  names: TopologyNames;
  prefetch: number;
  handler: (delivery: Delivery) => Promise<void>;
  settler: Settler;
  logger: QueueLogger;
  /** Called when the broker closed the channel or cancelled the consumer: the connection is recycled. */
  onBroken(err: Error): void;
  connectTimeoutMs: number;
  /** Bound on closing the channel (see closeWithin). */
  closeTimeoutMs: number;
}

export class RabbitConsumer implements Consumer {
  private readonly wrapper: ChannelWrapper;
  private readonly inFlight = new Set<Promise<void>>();
  private consumerTag: string | null = null;
  private stopping: Promise<void> | null = null;
  /** Set when the queue was closed: handlers still running settle nothing any more. */
  private dead = false;

  private readonly setup = async (ch: Channel): Promise<void> => {
    ch.on('error', (err: Error) => this.deps.onBroken(err));
    await declareWorkQueue(ch, this.deps.names);
    await ch.prefetch(this.deps.prefetch, false);
    const r = await ch.consume(this.deps.names.work, (m) => this.onMessage(ch, m), { noAck: false });
    this.consumerTag = r.consumerTag;
  };

  private constructor(private readonly deps: RabbitConsumerDeps) {
    this.wrapper = deps.conn.createChannel({ name: 'fnstack consume', confirm: false, setup: this.setup });
    this.wrapper.on('error', (err: Error) => deps.logger.warn({ err: err.message }, 'work queue consumer channel setup failed'));
  }

  /** Resolves once the consumer is registered; when the broker is down, at once (it registers on reconnect). */
  static async start(deps: RabbitConsumerDeps): Promise<RabbitConsumer> {
    if (!Number.isInteger(deps.prefetch) || deps.prefetch < 1) throw new RangeError(`prefetch must be a positive integer, not ${deps.prefetch}`);
    const c = new RabbitConsumer(deps);
    if (deps.conn.isConnected()) {
      try {
        await firstConnect(c.wrapper, deps.connectTimeoutMs);
      } catch (err) {
        await c.wrapper.close().catch(() => undefined);
        throw err;
      }
    }
    return c;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.wrapper
        .removeSetup(this.setup, async (ch: Channel) => {
          if (this.consumerTag) await ch.cancel(this.consumerTag).catch(() => undefined);
        })
        .catch(() => undefined);
      // Deliveries that crossed the cancel on the wire join inFlight meanwhile: wait for them too.
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      // Bounded: amqplib never settles a channel close whose connection died meanwhile.
      await settlesWithin(this.wrapper.close(), this.deps.closeTimeoutMs);
    })();
    return this.stopping;
  }

  /** The queue is closing: the connection goes away and takes every unacked message back. */
  kill(): void {
    this.dead = true;
  }

  private onMessage(ch: Channel, msg: ConsumeMessage | null): void {
    if (!msg) {
      // The broker cancelled the consumer (its queue was deleted): recycle the connection to redeclare.
      if (!this.stopping && !this.dead) this.deps.onBroken(new Error(`consumer of ${this.deps.names.work} cancelled by the broker`));
      return;
    }
    if (this.dead) return;
    const p = this.handle(ch, msg)
      .catch((err: unknown) => this.deps.logger.error({ err: messageOf(err) }, 'work message handling failed'))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async handle(ch: Channel, msg: ConsumeMessage): Promise<void> {
    const { settler, logger } = this.deps;
    const attempt = attemptOf(msg.properties.headers);
    // Settles without the handler; if that fails the broker gets the message back (it comes again).
    const settleHere = async (op: () => Promise<void>, what: string) => {
      try {
        await op();
        ack(ch, msg);
      } catch (err) {
        logger.error({ err: messageOf(err) }, `could not ${what}; handing the message back to the broker`);
        nack(ch, msg);
      }
    };
    if (msg.fields.redelivered) {
      await settleHere(() => settler.requeue(msg, attempt + 1), 'requeue a redelivered message');
      return;
    }
    let message: WorkMessage;
    try {
      message = parseWorkMessage(msg.content);
    } catch (err) {
      const reason = `unreadable work message: ${messageOf(err)}`;
      // Still shown to its project when the payload at least says which one it belongs to.
      await settleHere(() => settler.deadLetter(msg, attempt, reason, ownerOf(msg.content)), 'dead-letter an unreadable message');
      return;
    }

    let settled = false;
    const settle = async (op: () => Promise<void>): Promise<void> => {
      if (settled || this.dead) return;
      settled = true;
      try {
        await op();
      } catch (err) {
        settled = false; // the fallback below may still settle it
        throw err;
      }
    };
    const delivery: Delivery = {
      message,
      attempt,
      ack: () => settle(async () => ack(ch, msg)),
      retry: (delayMs, reason) =>
        settle(async () => {
          await settler.retryLater(msg, attempt, delayMs, reason);
          ack(ch, msg);
        }),
      deadLetter: (reason) =>
        settle(async () => {
          await settler.deadLetter(msg, attempt, reason, message);
          ack(ch, msg);
        }),
    };

    let failure: unknown = null;
    try {
      await this.deps.handler(delivery);
    } catch (err) {
      failure = err;
    }
    if (settled || this.dead) return;
    // The handler threw or returned without settling: retry with backoff rather than hold the message.
    const reason = failure === null ? 'the handler returned without settling the message' : messageOf(failure);
    logger.warn({ attempt, reason }, 'work message not settled by its handler; retrying');
    await settleHere(() => settler.retryLater(msg, attempt, backoffMs(attempt), reason), 'retry the work message');
  }
}

function ownerOf(content: Buffer): WorkMessage | null {
  try {
    const v = JSON.parse(content.toString('utf8')) as { projectId?: unknown };
    return typeof v?.projectId === 'string' ? ({ projectId: v.projectId } as WorkMessage) : null;
  } catch {
    return null;
  }
}

function parseWorkMessage(content: Buffer): WorkMessage {
  const v: unknown = JSON.parse(content.toString('utf8'));
  if (!isWorkMessage(v)) throw new Error('not a work message');
  return v;
}

/** Acks on the delivering channel; if it is gone, the broker has the message back already. */
function ack(ch: Channel, msg: ConsumeMessage): void {
  try {
    ch.ack(msg);
  } catch {
    // IllegalOperationError: channel closed
  }
}

function nack(ch: Channel, msg: ConsumeMessage): void {
  try {
    ch.nack(msg, false, true);
  } catch {
    // channel closed: redelivered anyway
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
