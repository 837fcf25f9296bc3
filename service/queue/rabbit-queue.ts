/**
 * The production work queue on RabbitMQ, through amqp-connection-manager (which reconnects
 * and re-runs channel setups after the broker restarts or drops the connection).
 *
 * - publish: persistent message, resolves only on the broker's publisher confirm. Across a
 *   dropped connection the message waits (and is sent again if the channel died before its
 *   confirm), bounded by `publishTimeoutMs`; then QueueUnavailableError (503). Once a
 *   reconnect has failed, publish refuses at once (503) until the broker is back.
 * - consume: manual acks, `prefetch` per consumer, one channel per consumer (rabbit-consumer.ts).
 * - retry: a copy goes to a delay queue per backoff bucket with a per-message TTL; it
 *   dead-letters back into the work queue with `x-fnstack-attempt` incremented; then the
 *   original is acked.
 * - deadLetter: recorded in the store (DeadLetterStore.record, idempotent on the message id)
 *   and published to `<prefix>fnstack.dead` with the reason in the headers; then acked.
 *
 * Publishing and consuming use two connections, as RabbitMQ advises: a connection blocked
 * by a resource alarm stops its publishers, and must not stop the acks of its consumers.
 * Topology and semantics: README.md in this folder.
 */
import { randomUUID } from 'node:crypto';
import { AmqpConnectionManagerClass, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage, Message, Options } from 'amqplib';
import type { Store } from '../store/store.js';
import { DeadLetterStore } from '../store/dead-letter-store.js';
import type { ConsumeOptions, Consumer, Delivery, QueueStats, WorkMessage, WorkQueue } from './queue.js';
import { RabbitConsumer, messageOf, type Settler } from './rabbit-consumer.js';
import { ORIGIN_HEADER, PROJECT_HEADER, REASON_HEADER, WORK_QUEUE, declareDelayQueue, declareTopology, delayBucket, republishHeaders, topologyNames, type TopologyNames } from './rabbit-topology.js';
import { QueueUnavailableError, closeWithin, firstConnect, redactUrl, silentLogger, sleep, type QueueLogger } from './rabbit-support.js';

export { QueueUnavailableError, type QueueLogger } from './rabbit-support.js';
export { EVENTS_EXCHANGE, ATTEMPT_HEADER, REASON_HEADER, topologyNames } from './rabbit-topology.js';

export interface RabbitQueueOptions {
  /** Prepended to every exchange and queue name (tests isolate with it). Default '' (none). */
  prefix?: string;
  /** Name of the work queue, before the prefix. Default `fnstack.work`. */
  queue?: string;
  /** How long publish() waits for a confirm, across reconnects, before QueueUnavailableError. Default 30 000 ms. */
  publishTimeoutMs?: number;
  /**
   * Once a reconnect of the publishing connection has failed, publish() rejects at once with
   * QueueUnavailableError — and so do the publishes still waiting for the lost connection —
   * until a reconnect succeeds, so that callers answer 503 rather than hang. false: publish()
   * waits for the broker up to `publishTimeoutMs`. Default true.
   */
  refuseWhileUnreachable?: boolean;
  /** How long connect() waits for the first connection and the topology. Default 30 000 ms. */
  connectTimeoutMs?: number;
  /** Pause before each reconnect attempt, s (fractions allowed). Default 1. */
  reconnectSeconds?: number;
  /** AMQP heartbeat, s: a silent broker is noticed after about twice this. Default 5. */
  heartbeatSeconds?: number;
  /** How long close() waits for the broker to confirm the close before dropping the socket. Default 2000 ms. */
  closeTimeoutMs?: number;
  /** Longest reason kept in the store (longer ones are cut); headers carry at most 1 KiB. Default 8000 chars. */
  maxReasonChars?: number;
  /** Connection events, channel errors, unsettled messages. Default: silent. */
  logger?: QueueLogger;
}

type Resolved = Required<Omit<RabbitQueueOptions, 'logger'>> & { logger: QueueLogger };

const HEADER_REASON_CHARS = 1024;
/** Header counting how often the broker returned a message as unroutable (see onReturned). */
const RETURNED_HEADER = 'x-fnstack-returned';
const MAX_RETURNS = 5;

export class RabbitQueue implements WorkQueue {
  readonly name = 'rabbitmq';
  private closed = false;
  private readonly consumers = new Set<RabbitConsumer>();
  private readonly delayQueues = new Map<number, Promise<void>>();
  private readonly recoveries = new Map<AmqpConnectionManager, NodeJS.Timeout>();
  private readonly lastRecovery = new Map<AmqpConnectionManager, number>();
  /**
   * A reconnect of the publishing connection failed and none succeeded since: the broker is
   * known to be unreachable, so publish() refuses at once (503) instead of buffering the
   * message for `publishTimeoutMs`. A dropped connection that comes straight back (a broker
   * restart, close_all_connections) never sets it.
   */
  private publishDown = false;

  private constructor(
    readonly names: TopologyNames,
    private readonly pubConn: AmqpConnectionManager,
    private readonly subConn: AmqpConnectionManager,
    private publisher: ChannelWrapper,
    private readonly makePublisher: () => ChannelWrapper,
    private readonly store: Store,
    private readonly opts: Resolved,
  ) {}

  /**
   * Connects both connections and declares the topology. Rejects (QueueUnavailableError)
   * if the broker cannot be reached or the topology cannot be declared within
   * `connectTimeoutMs`: a service does not start against a broker it never saw. Once
   * connected, it reconnects by itself for as long as it lives.
   */
  static async connect(url: string, store: Store, options: RabbitQueueOptions = {}): Promise<RabbitQueue> {
    const opts: Resolved = {
      prefix: options.prefix ?? '',
      queue: options.queue ?? WORK_QUEUE,
      publishTimeoutMs: options.publishTimeoutMs ?? 30_000,
      refuseWhileUnreachable: options.refuseWhileUnreachable ?? true,
      connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      reconnectSeconds: options.reconnectSeconds ?? 1,
      heartbeatSeconds: options.heartbeatSeconds ?? 5,
      closeTimeoutMs: options.closeTimeoutMs ?? 2000,
      maxReasonChars: options.maxReasonChars ?? 8000,
      logger: options.logger ?? silentLogger,
    };
    const names = topologyNames(opts.prefix, opts.queue);
    const log = opts.logger;
    const manager = (role: 'publish' | 'consume') => {
      const m = new AmqpConnectionManagerClass(url, {
        heartbeatIntervalInSeconds: opts.heartbeatSeconds,
        reconnectTimeInSeconds: opts.reconnectSeconds,
        connectionOptions: { clientProperties: { connection_name: `fnstack ${role} ${names.work}` } },
      });
      m.on('connect', () => log.info({ role }, 'RabbitMQ connected'));
      m.on('disconnect', ({ err }: { err?: Error }) => log.warn({ role, err: err?.message }, 'RabbitMQ connection lost; reconnecting'));
      m.on('connectFailed', ({ err }: { err: Error }) => log.warn({ role, err: err.message }, 'RabbitMQ connect failed; retrying'));
      m.on('blocked', ({ reason }: { reason: string }) => log.warn({ role, reason }, 'RabbitMQ blocked the connection (resource alarm)'));
      m.on('unblocked', () => log.info({ role }, 'RabbitMQ unblocked the connection'));
      return m;
    };
    const pubConn = manager('publish');
    const subConn = manager('consume');
    let queue: RabbitQueue | null = null;
    try {
      await Promise.all([pubConn.connect({ timeout: opts.connectTimeoutMs }), subConn.connect({ timeout: opts.connectTimeoutMs })]);
      const makePublisher = () => {
        const wrapper = pubConn.createChannel({
          name: 'fnstack publish',
          confirm: true,
          setup: async (ch: Channel) => {
            ch.on('error', (err: Error) => queue?.recover(pubConn, err));
            ch.on('return', (m: Message) => queue?.onReturned(m));
            await declareTopology(ch, names);
          },
        });
        wrapper.on('error', (err: Error) => log.warn({ err: err.message }, 'work queue publisher channel setup failed'));
        return wrapper;
      };
      const publisher = makePublisher();
      await firstConnect(publisher, opts.connectTimeoutMs);
      queue = new RabbitQueue(names, pubConn, subConn, publisher, makePublisher, store, opts);
      const q = queue;
      pubConn.on('connectFailed', () => q.setPublishDown(true));
      pubConn.on('connect', () => q.setPublishDown(false));
      return queue;
    } catch (err) {
      await Promise.all([closeWithin(pubConn, opts.closeTimeoutMs), closeWithin(subConn, opts.closeTimeoutMs)]);
      throw new QueueUnavailableError(`RabbitMQ at ${redactUrl(url)}: ${messageOf(err)}`);
    }
  }

  async publish(message: WorkMessage): Promise<void> {
    await this.send(
      this.names.work,
      Buffer.from(JSON.stringify(message)),
      { messageId: randomUUID(), type: message.kind, headers: republishHeaders(undefined, 1) },
      { failFast: true },
    );
  }

  async consume(handler: (delivery: Delivery) => Promise<void>, options: ConsumeOptions): Promise<Consumer> {
    if (this.closed) throw new Error('the work queue is closed');
    const consumer = await RabbitConsumer.start({
      conn: this.subConn,
      names: this.names,
      prefetch: options.prefetch,
      handler,
      settler: this.settler,
      logger: this.opts.logger,
      onBroken: (err) => this.recover(this.subConn, err),
      connectTimeoutMs: this.opts.connectTimeoutMs,
      closeTimeoutMs: this.opts.closeTimeoutMs,
    });
    this.consumers.add(consumer);
    return {
      stop: async () => {
        await consumer.stop();
        this.consumers.delete(consumer);
      },
    };
  }

  async stats(): Promise<QueueStats> {
    const q = await this.publisher.checkQueue(this.names.work);
    return { messages: q.messageCount, consumers: q.consumerCount };
  }

  async ping(): Promise<boolean> {
    return !this.closed && this.pubConn.isConnected() && this.subConn.isConnected();
  }

  private setPublishDown(down: boolean): void {
    if (down === this.publishDown || this.closed || !this.opts.refuseWhileUnreachable) return;
    this.publishDown = down;
    if (!down) {
      this.opts.logger.info({}, 'queue reachable again');
      return;
    }
    this.opts.logger.warn({}, 'queue unreachable; publishing answers 503 until it is back');
    // What the old channel wrapper still buffers would go out on the next connect, after its
    // publisher heard 503: closing it rejects all of it, and a fresh wrapper takes over.
    const old = this.publisher;
    this.publisher = this.makePublisher();
    this.delayQueues.clear();
    void old.close().catch(() => undefined);
  }

  /**
   * Closes channels and connections. Unacked messages of every consumer go back to the
   * queue (the broker redelivers them); handlers still running settle nothing any more.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.recoveries.values()) clearTimeout(t);
    for (const c of this.consumers) c.kill();
    this.consumers.clear();
    await Promise.all([closeWithin(this.pubConn, this.opts.closeTimeoutMs), closeWithin(this.subConn, this.opts.closeTimeoutMs)]);
  }

  private readonly settler: Settler = {
    requeue: (msg, attempt) => this.send(this.names.work, msg.content, this.copyOf(msg, attempt)),
    retryLater: async (msg, attempt, delayMs, reason) => {
      const bucket = delayBucket(delayMs);
      await this.ensureDelayQueue(bucket);
      await this.send(this.names.delay(bucket), msg.content, {
        ...this.copyOf(msg, attempt + 1, { 'x-fnstack-last-error': cut(reason, HEADER_REASON_CHARS) }),
        expiration: String(Math.max(0, Math.ceil(delayMs))),
      });
    },
    deadLetter: async (msg, attempt, reason, message) => {
      const projectId = message?.projectId ?? null;
      const id = await this.recordDeadLetter({
        id: ownId(msg.properties.messageId) ?? randomUUID(),
        projectId,
        queue: this.names.work,
        payload: msg.content.toString('utf8'), // unreadable bodies too: the store shows them as { raw }
        reason: cut(reason, this.opts.maxReasonChars),
        attempts: attempt,
      });
      await this.send(this.names.dead, msg.content, {
        ...this.copyOf(msg, attempt, {
          [REASON_HEADER]: cut(reason, HEADER_REASON_CHARS),
          [ORIGIN_HEADER]: this.names.work,
          [PROJECT_HEADER]: projectId ?? '',
        }),
        messageId: id,
      });
    },
  };

  /** Properties of a republished copy: same id, body type and headers, attempt set. */
  private copyOf(msg: ConsumeMessage, attempt: number, extra: Record<string, unknown> = {}): Options.Publish {
    const p = msg.properties;
    return {
      messageId: ownId(p.messageId) ?? randomUUID(),
      ...(p.type ? { type: String(p.type) } : {}),
      headers: republishHeaders(p.headers as Record<string, unknown> | undefined, attempt, extra),
    };
  }

  /**
   * Records a dead letter under the message id, so that the same message dead-lettered
   * twice (a redelivery raced the ack) is kept once. Returns the id it is kept under.
   */
  private async recordDeadLetter(entry: Parameters<typeof DeadLetterStore.record>[1]): Promise<string> {
    try {
      await DeadLetterStore.record(this.store.db, entry);
      return entry.id;
    } catch (err) {
      const existing = await this.store.db.selectFrom('dead_letters').select(['id', 'project_id']).where('id', '=', entry.id).executeTakeFirst();
      if (!existing) throw err;
      if (existing.project_id === entry.projectId) return entry.id;
      // Same id in another project: never merge across projects.
      const id = randomUUID();
      await DeadLetterStore.record(this.store.db, { ...entry, id });
      return id;
    }
  }

  /** Declares a delay bucket's queue once; amqp-connection-manager re-runs it after each reconnect. */
  private ensureDelayQueue(bucketMs: number): Promise<void> {
    let p = this.delayQueues.get(bucketMs);
    if (!p) {
      p = this.publisher.addSetup((ch: Channel) => declareDelayQueue(ch, this.names, bucketMs));
      p.catch(() => this.delayQueues.delete(bucketMs));
      this.delayQueues.set(bucketMs, p);
    }
    return p;
  }

  /**
   * Publishes persistently and resolves on the broker's confirm. A send lost with its
   * channel (connection dropped before the confirm) or nacked is sent again — the broker
   * may then hold it twice, which at-least-once allows — until the deadline. `failFast`
   * (publish): while the broker is known to be unreachable, refuse instead of waiting.
   */
  private async send(queue: string, body: Buffer, props: Options.Publish, { failFast = false } = {}): Promise<void> {
    const deadline = Date.now() + this.opts.publishTimeoutMs;
    let last = '';
    for (;;) {
      if (this.closed) throw new Error('the work queue is closed');
      if (failFast && this.publishDown) throw new QueueUnavailableError('RabbitMQ is unreachable for now; nothing was published, try again shortly');
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new QueueUnavailableError(`RabbitMQ did not confirm the message within ${this.opts.publishTimeoutMs} ms${last ? ` (${last})` : ''}`);
      }
      try {
        await this.publisher.sendToQueue(queue, body, {
          persistent: true,
          mandatory: true,
          contentType: 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
          ...props,
          timeout: remaining,
        });
        return;
      } catch (err) {
        last = messageOf(err);
        if (last !== 'timeout') await sleep(Math.min(100, Math.max(0, deadline - Date.now())));
      }
    }
  }

  /**
   * The broker returned a message no queue took: its queue was deleted under the running
   * service (the confirm still comes, so publish() cannot know). Redeclare by recycling
   * the connection, then send it again — at most MAX_RETURNS times, then it is dropped
   * with an error in the log (a lost `run` message is requeued by the stall sweeper).
   */
  private onReturned(m: Message): void {
    if (this.closed) return;
    const p = m.properties;
    const headers = { ...(p.headers as Record<string, unknown> | undefined) };
    const returns = Number(headers[RETURNED_HEADER] ?? 0) + 1;
    const reply = String((m.fields as { replyText?: unknown }).replyText);
    const where = { queue: m.fields.routingKey, messageId: p.messageId as unknown, reply };
    if (returns > MAX_RETURNS) {
      this.opts.logger.error(where, 'message unroutable again and again; dropped');
      return;
    }
    this.recover(this.pubConn, new Error(`the broker returned a message for ${m.fields.routingKey} (${reply})`));
    const props: Options.Publish = {
      headers: { ...headers, [RETURNED_HEADER]: returns },
      ...(p.messageId ? { messageId: String(p.messageId) } : {}),
      ...(p.type ? { type: String(p.type) } : {}),
      ...(p.expiration !== undefined ? { expiration: String(p.expiration) } : {}),
    };
    void sleep(this.opts.reconnectSeconds * 1000)
      .then(() => this.send(m.fields.routingKey, m.content, props))
      .catch((err: unknown) => this.opts.logger.error({ ...where, err: messageOf(err) }, 'could not send a returned message again; dropped'));
  }

  /**
   * The broker closed a channel (or cancelled a consumer) while the connection stays up.
   * amqp-connection-manager only makes channels anew on reconnect, so recycle the
   * connection — at most once per `reconnectSeconds`, so a persistent fault cannot spin.
   */
  private recover(conn: AmqpConnectionManager, err: Error): void {
    if (this.closed || this.recoveries.has(conn)) return;
    this.opts.logger.warn({ err: err.message }, 'recycling the RabbitMQ connection to redeclare the topology');
    const wait = Math.max(0, (this.lastRecovery.get(conn) ?? 0) + this.opts.reconnectSeconds * 1000 - Date.now());
    this.recoveries.set(
      conn,
      setTimeout(() => {
        this.recoveries.delete(conn);
        this.lastRecovery.set(conn, Date.now());
        if (this.closed) return;
        try {
          conn.reconnect();
        } catch {
          // closed meanwhile
        }
      }, wait),
    );
  }
}

/** A message id fit to be a dead letter's id (the store's ids are at most 64 chars). */
function ownId(id: unknown): string | null {
  return typeof id === 'string' && /^[\w.:-]{1,64}$/.test(id) ? id : null;
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
