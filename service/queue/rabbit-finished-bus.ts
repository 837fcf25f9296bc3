/**
 * Hints between service processes on RabbitMQ, an id each: by default "execution X reached a
 * final status" (below); with `exchange`, any other row's news, e.g. `fnstack.runner-sessions`
 * (service/store/row-changes.ts). For finished executions: a fanout
 * exchange `fnstack.finished` (not durable), and one exclusive, auto-deleted queue per
 * listening process bound to it (a worker-only process serves no sync invoke: it publishes and
 * does not listen, so the broker does not copy every notice to it). A sync invoke served by an
 * API process learns the moment a worker in another process recorded the outcome, instead of
 * polling the store.
 *
 * A notice is only a hint: it carries the execution id alone, and the waiter reads the
 * execution from the store (the truth) before it answers, so a lost notice costs latency
 * (the waiter's slow safety poll) and a forged one a store read. Publishing is fire-and-forget
 * (no confirm), off the path that records the outcome.
 */
import { AmqpConnectionManagerClass, type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { FinishedBus } from '../orchestrator/execution-events.js';

export const FINISHED_EXCHANGE = 'fnstack.finished';

export class RabbitFinishedBus implements FinishedBus {
  private listeners: Array<(executionId: string) => void> = [];

  private constructor(
    private readonly conn: AmqpConnectionManager,
    private readonly channel: ChannelWrapper,
    private readonly exchange: string,
  ) {}

  /**
   * Connects and, with `listen`, binds this process's queue; rejects when the broker is not
   * reachable within `timeoutMs`.
   */
  static async connect(url: string, { listen = true, timeoutMs = 30_000, exchange = FINISHED_EXCHANGE }: { listen?: boolean; timeoutMs?: number; exchange?: string } = {}): Promise<RabbitFinishedBus> {
    const name = exchange.replace(/^fnstack\./, 'fnstack ');
    const conn = new AmqpConnectionManagerClass(url, { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1, connectionOptions: { clientProperties: { connection_name: name } } });
    let bus: RabbitFinishedBus | null = null;
    const channel = conn.createChannel({
      name,
      confirm: false,
      setup: async (ch: Channel) => {
        await ch.assertExchange(exchange, 'fanout', { durable: false });
        if (!listen) return;
        // Re-run after a reconnect: a new queue, bound again (the old one went with the connection).
        const q = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
        await ch.bindQueue(q.queue, exchange, '');
        await ch.consume(q.queue, (m: ConsumeMessage | null) => m && bus?.deliver(m.content.toString('utf8')), { noAck: true });
      },
    });
    bus = new RabbitFinishedBus(conn, channel, exchange);
    try {
      await conn.connect({ timeout: timeoutMs });
      await channel.waitForConnect();
    } catch (err) {
      await bus.close();
      throw err;
    }
    return bus;
  }

  publish(executionId: string): void {
    this.channel.publish(this.exchange, '', Buffer.from(executionId, 'utf8')).catch(() => undefined);
  }

  subscribe(onFinished: (executionId: string) => void): void {
    this.listeners.push(onFinished);
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.conn.close().catch(() => undefined);
  }

  private deliver(executionId: string): void {
    if (executionId.length > 200) return;
    for (const l of this.listeners) l(executionId);
  }
}
