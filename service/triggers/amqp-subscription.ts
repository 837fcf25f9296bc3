/**
 * One resilient AMQP consumer: amqp-connection-manager reconnects after the broker drops the
 * connection and re-runs the declarations; a channel whose declarations fail (queue missing,
 * access refused) is opened again after `retryMs`. Manual acks: the handler settles each
 * message itself; a handler that throws gets the message requeued after `retryMs`. With
 * `resolve`, every (re)connect first asks it where to connect (the tenant-broker address check).
 */
import { AmqpConnectionManagerClass, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';

export interface SubscriptionOptions {
  url: string;
  /** Shown in the broker's connection list. */
  name: string;
  prefetch: number;
  /** Declarations; returns the queue to consume from. Runs on every (re)connect. */
  declare(ch: Channel): Promise<string>;
  /** Must ack or nack the message on `ch`. */
  handle(msg: ConsumeMessage, ch: Channel): Promise<void>;
  /** `connect`: no AMQP session came up; `channel`: the declarations failed; `handle`: the handler threw. */
  onError?(err: Error, phase: 'connect' | 'channel' | 'handle'): void;
  onConnect?(): void;
  /** Pause before reconnecting / reopening a failed channel, ms. Default 2000. */
  retryMs?: number;
  /** Called before each connection attempt instead of using `url` as is; a throw fails the attempt (onError). */
  resolve?(): Promise<{ url: string; servername?: string }>;
}

export class AmqpSubscription {
  private conn: AmqpConnectionManager | null = null;
  private wrapper: ChannelWrapper | null = null;
  private reopen: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly inflight = new Set<Promise<void>>();
  private consumer: { ch: Channel; consumerTag: string } | null = null;

  constructor(private readonly opts: SubscriptionOptions) {}

  private get retryMs(): number {
    return this.opts.retryMs ?? 2000;
  }

  start(): void {
    const connectionOptions = { timeout: 10_000, clientProperties: { connection_name: this.opts.name } };
    const resolve = this.opts.resolve;
    const findServers = resolve
      ? async () => {
          const target = await resolve();
          return { url: target.url, connectionOptions: { ...connectionOptions, ...(target.servername ? { servername: target.servername } : {}) } };
        }
      : undefined;
    const conn = new AmqpConnectionManagerClass(findServers ? null : [this.opts.url], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: this.retryMs / 1000,
      connectionOptions,
      ...(findServers ? { findServers } : {}),
    });
    conn.on('connectFailed', ({ err }) => this.opts.onError?.(err, 'connect'));
    this.conn = conn;
    conn.connect().catch(() => undefined); // keeps trying by itself; failures reach onError
    this.openChannel();
  }

  private openChannel(): void {
    if (!this.conn || this.closed) return;
    const wrapper = this.conn.createChannel({
      name: this.opts.name,
      confirm: false,
      setup: async (ch: Channel) => {
        await ch.prefetch(this.opts.prefetch);
        const queue = await this.opts.declare(ch);
        const { consumerTag } = await ch.consume(queue, (msg) => msg && this.dispatch(msg, ch), { noAck: false });
        this.consumer = { ch, consumerTag };
      },
    });
    wrapper.on('error', (err: Error) => {
      this.opts.onError?.(err, 'channel');
      this.scheduleReopen();
    });
    wrapper.on('connect', () => this.opts.onConnect?.());
    this.wrapper = wrapper;
  }

  private dispatch(msg: ConsumeMessage, ch: Channel): void {
    if (this.closed) {
      // Arrived while closing: not ours to take any more.
      try {
        ch.nack(msg, false, true);
      } catch {
        /* channel gone: the broker redelivers anyway */
      }
      return;
    }
    const p = this.opts.handle(msg, ch).catch(async (err: unknown) => {
      this.opts.onError?.(err instanceof Error ? err : new Error(String(err)), 'handle');
      await new Promise((r) => setTimeout(r, this.closed ? 0 : this.retryMs));
      try {
        ch.nack(msg, false, true);
      } catch {
        /* channel gone: the broker redelivers anyway */
      }
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private scheduleReopen(): void {
    if (this.closed || this.reopen) return;
    this.reopen = setTimeout(() => {
      this.reopen = null;
      const old = this.wrapper;
      this.wrapper = null;
      void (old?.close() ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => this.openChannel());
    }, this.retryMs);
  }

  /** Stops consuming at once, lets in-flight messages finish (acks), closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reopen) clearTimeout(this.reopen);
    // No new deliveries while the in-flight ones finish.
    await this.consumer?.ch.cancel(this.consumer.consumerTag).catch(() => undefined);
    await Promise.allSettled([...this.inflight]);
    await this.wrapper?.close().catch(() => undefined);
    await this.conn?.close().catch(() => undefined);
  }
}
