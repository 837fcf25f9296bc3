/**
 * The service broker's ingress. Tenants publish to the `fnstack.events` topic exchange with
 * routing key `<project_id>.<key>` (a CloudEvent as the body, or plain JSON that is wrapped into
 * one). One durable queue (`fnstack.events.ingress`, shared by every service process) takes
 * them all; each message becomes a work-queue event for that project, with `fnstackkey` = `<key>`
 * for the `amqp` triggers' patterns, and is acked only once that event is durable.
 *
 * Who may publish or subscribe with which keys is RabbitMQ's job: each tenant gets a broker
 * user whose topic permissions only allow routing keys starting with its own project id
 * (`tenantGrant()`; docs/triggers.md shows the rabbitmqctl commands). The project in the key
 * is therefore the publisher's own. A message that names a project (by id, or by the name of a
 * built-in project, a common slip) but cannot become an event is kept as that project's dead
 * letter with the reason (dropped-message.ts); one that names no known project belongs to no
 * tenant and is dropped with a warning (tenant broker users cannot publish such keys at all).
 */
import type { Logger } from 'pino';
import type { Ingest } from '../listener/ingest.js';
import type { EventSource } from '../listener/event-source.js';
import type { Store } from '../store/store.js';
import { EVENTS_EXCHANGE } from '../queue/rabbit-queue.js';
import { AmqpSubscription } from './amqp-subscription.js';
import { eventFromMessage, UnreadableMessage } from './amqp-message.js';
import { recordDroppedMessage } from './dropped-message.js';
import { ROUTING_KEY_ATTR, TRIGGER_ATTR } from './event-attrs.js';

export const INGRESS_QUEUE = 'fnstack.events.ingress';

export interface IngressOptions {
  url: string;
  /** Exchange name (default `fnstack.events`). */
  exchange?: string;
  /** Queue name (default `fnstack.events.ingress`). */
  queue?: string;
  prefetch?: number;
  retryMs?: number;
}

export class AmqpIngress implements EventSource {
  readonly name = 'service broker';
  private readonly sub: AmqpSubscription;
  private readonly knownProjects = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly ingest: Ingest,
    private readonly logger: Logger,
    options: IngressOptions,
  ) {
    const exchange = options.exchange ?? EVENTS_EXCHANGE;
    const queue = options.queue ?? INGRESS_QUEUE;
    this.sub = new AmqpSubscription({
      url: options.url,
      name: 'fnstack events ingress',
      prefetch: options.prefetch ?? 20,
      retryMs: options.retryMs ?? 2000,
      declare: async (ch) => {
        await ch.assertExchange(exchange, 'topic', { durable: true });
        await ch.assertQueue(queue, { durable: true });
        await ch.bindQueue(queue, exchange, '#');
        return queue;
      },
      handle: async (msg, ch) => {
        const rk = msg.fields.routingKey;
        const dot = rk.indexOf('.');
        const prefix = dot > 0 ? rk.slice(0, dot) : rk;
        const key = dot > 0 ? rk.slice(dot + 1) : '';
        const named = await this.projectNamed(prefix);
        if (!named) {
          this.logger.warn({ routingKey: rk }, 'ingress: dropped a message whose routing key names no known project (<project_id>.<key>)');
          ch.ack(msg);
          return;
        }
        const projectId = named.id;
        const drop = async (reason: string) => {
          await recordDroppedMessage(this.store, projectId, queue, msg, reason);
          ch.nack(msg, false, false);
        };
        if (named.byName) {
          await drop(`the routing key '${rk}' starts with the project's name: publish with its id, '${projectId}.<key>'`);
          return;
        }
        if (!key) {
          await drop(`the routing key '${rk}' has no <key> after the project id: publish with '${projectId}.<key>'`);
          return;
        }
        let event;
        try {
          event = eventFromMessage(msg, { source: `fnstack:/amqp/${projectId}`, type: key });
        } catch (err) {
          if (!(err instanceof UnreadableMessage)) throw err;
          await drop(`the message with routing key '${rk}' was dropped: ${err.message}`);
          return;
        }
        delete event[TRIGGER_ATTR]; // only the service addresses events to one trigger
        event[ROUTING_KEY_ATTR] = key;
        await this.ingest.events(projectId, [event], 'later');
        ch.ack(msg);
      },
      onError: (err) => this.logger.warn({ err: err.message }, 'ingress: broker trouble (retrying)'),
    });
  }

  start(): void {
    this.sub.start();
  }

  close(): Promise<void> {
    return this.sub.close();
  }

  /** The project a routing key's first segment names: its id, else a built-in project's name. */
  private async projectNamed(prefix: string): Promise<{ id: string; byName: boolean } | null> {
    if (!prefix) return null;
    const until = this.knownProjects.get(prefix);
    if (until && until > Date.now()) return { id: prefix, byName: false };
    if (await this.store.accounts.projectById(prefix)) {
      this.knownProjects.set(prefix, Date.now() + 60_000);
      return { id: prefix, byName: false };
    }
    const byName = await this.store.accounts.projectByName(prefix, 'builtin');
    return byName ? { id: byName.id, byName: true } : null;
  }
}

/**
 * The RabbitMQ permissions of a tenant's broker user on the service broker: publish and bind
 * only with routing keys under `<project_id>.` on the events exchange, and declare/consume only
 * its own queues named `fnstack.tenant.<project_id>.…`.
 */
export function tenantGrant(projectId: string, exchange: string = EVENTS_EXCHANGE) {
  const p = escapeRegex(projectId);
  const ownQueues = `fnstack\\.tenant\\.${p}\\..*`;
  const ex = escapeRegex(exchange);
  return {
    configure: `^${ownQueues}$`,
    write: `^(${ex}|${ownQueues})$`,
    read: `^(${ex}|${ownQueues})$`,
    topic: { exchange, write: `^${p}\\.`, read: `^${p}\\.` },
    queuePrefix: `fnstack.tenant.${projectId}.`,
  };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
