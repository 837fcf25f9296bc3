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
 * is therefore the publisher's own; a key naming no known project is dropped.
 */
import type { Logger } from 'pino';
import type { Ingest } from '../listener/ingest.js';
import type { EventSource } from '../listener/event-source.js';
import type { Store } from '../store/store.js';
import { EVENTS_EXCHANGE } from '../queue/rabbit-queue.js';
import { AmqpSubscription } from './amqp-subscription.js';
import { eventFromMessage, UnreadableMessage } from './amqp-message.js';
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
        const projectId = dot > 0 ? rk.slice(0, dot) : '';
        const key = dot > 0 ? rk.slice(dot + 1) : '';
        if (!projectId || !key || !(await this.projectExists(projectId))) {
          this.logger.warn({ routingKey: rk }, 'ingress: dropped a message whose routing key names no known project (<project_id>.<key>)');
          ch.ack(msg);
          return;
        }
        let event;
        try {
          event = eventFromMessage(msg, { source: `fnstack:/amqp/${projectId}`, type: key });
        } catch (err) {
          if (!(err instanceof UnreadableMessage)) throw err;
          this.logger.warn({ routingKey: rk, err: err.message }, 'ingress: dropped an unreadable message');
          ch.nack(msg, false, false);
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

  private async projectExists(id: string): Promise<boolean> {
    const until = this.knownProjects.get(id);
    if (until && until > Date.now()) return true;
    if (!(await this.store.accounts.projectById(id))) return false;
    this.knownProjects.set(id, Date.now() + 60_000);
    return true;
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
