/**
 * `openstack` triggers: consumes the cloud's oslo.messaging notifications (config
 * `os_notifications_url`). One durable queue per deployment (named after its deployment id, so every process of one deployment shares it and each notification is handled
 * once), bound to Nova's and Glance's exchanges; never oslo's own `notifications.info` queues.
 * A notification runs a trigger only if its event type matches and its payload's project is the
 * trigger's project_id. Acked once every resulting event is durable on the work queue.
 */
import { deploymentIdOf } from '../deployment-id.js';
import type { Logger } from 'pino';
import type { Ingest } from '../listener/ingest.js';
import type { EventSource } from '../listener/event-source.js';
import type { Store } from '../store/store.js';
import { TriggerCatalog, type Trigger } from '../store/trigger-store.js';
import { AmqpSubscription } from './amqp-subscription.js';
import { TRIGGER_ATTR } from './event-attrs.js';
import { notificationEvent, parseNotification } from './kind-openstack.js';
import { topicMatches } from './topic-pattern.js';

export interface NotificationSource {
  exchange: string;
  bindingKey: string;
}

export const DEFAULT_SOURCES: readonly NotificationSource[] = [
  { exchange: 'nova', bindingKey: 'versioned_notifications.#' },
  { exchange: 'glance', bindingKey: 'notifications.#' },
];

export interface NotificationListenerOptions {
  url: string;
  /** The deployment's database URL: names the shared queue. */
  databaseUrl: string;
  sources?: readonly NotificationSource[];
  /** Reload the triggers at least this often even when their fingerprint did not move, ms. Default 60 000. */
  refreshMs?: number;
  retryMs?: number;
}

/** The queue every process of one deployment shares. */
export function notificationQueueName(databaseUrl: string): string {
  return `fnstack.notifications.${deploymentIdOf(databaseUrl)}`;
}

export class NotificationListener implements EventSource {
  readonly name = 'openstack notifications';
  private readonly catalog: TriggerCatalog;
  private readonly sub: AmqpSubscription;
  private triggers: Trigger[] = [];
  private fingerprint = '';
  private loadedAt = 0;

  constructor(
    store: Store,
    private readonly ingest: Ingest,
    private readonly logger: Logger,
    private readonly opts: NotificationListenerOptions,
  ) {
    this.catalog = new TriggerCatalog(store.db);
    const queue = notificationQueueName(opts.databaseUrl);
    this.sub = new AmqpSubscription({
      url: opts.url,
      name: 'fnstack openstack notifications',
      prefetch: 50,
      retryMs: opts.retryMs ?? 2000,
      declare: async (ch) => {
        // Expires a day after the last consumer left; bounded so a stopped service cannot fill the bus.
        await ch.assertQueue(queue, { durable: true, arguments: { 'x-expires': 86_400_000, 'x-max-length': 10_000 } });
        for (const s of opts.sources ?? DEFAULT_SOURCES) await ch.bindQueue(queue, s.exchange, s.bindingKey);
        return queue;
      },
      handle: async (msg, ch) => {
        const n = parseNotification(msg.content, msg.fields.exchange);
        if (n && n.projectId) {
          for (const t of await this.current()) {
            if (t.config.project_id !== n.projectId || !topicMatches(String(t.config.event_type), n.eventType)) continue;
            await this.ingest.events(t.projectId, [{ ...notificationEvent(n), [TRIGGER_ATTR]: t.id }], 'later');
          }
        }
        ch.ack(msg);
      },
      onError: (err) => this.logger.warn({ err: err.message }, 'openstack notifications: bus trouble (retrying)'),
    });
  }

  start(): void {
    this.sub.start();
  }

  close(): Promise<void> {
    return this.sub.close();
  }

  /**
   * The enabled openstack triggers, reloaded when the catalog's fingerprint moved: a trigger
   * created a moment ago sees the very next notification (a time-based cache dropped those
   * for up to a second), a deleted one no longer fires.
   */
  private async current(): Promise<Trigger[]> {
    const fingerprint = await this.catalog.fingerprint('openstack');
    if (fingerprint !== this.fingerprint || Date.now() - this.loadedAt >= (this.opts.refreshMs ?? 60_000)) {
      // Read before the load: a change in between only makes the next notification reload again.
      this.triggers = (await this.catalog.enabledOfKind('openstack')).map((x) => x.trigger);
      this.fingerprint = fingerprint;
      this.loadedAt = Date.now();
    }
    return this.triggers;
  }
}
