/**
 * Starts the background event sources of one service process: the scheduler, the AMQP ingress on the
 * service broker (when the work queue is RabbitMQ), the tenant-broker consumers and the
 * OpenStack notification listener (when `os_notifications_url` is set). They run wherever a
 * worker runs (role `worker` or `all`): like the orchestrator they are consumers that scale
 * out with processes, while role `api` stays a plain HTTP front. All stop on close().
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { WorkQueue } from '../queue/queue.js';
import { Ingest } from './ingest.js';
import type { EventSource } from './event-source.js';
import type { Store } from '../store/store.js';
import { Scheduler, type SchedulerOptions } from '../triggers/scheduler.js';
import { AmqpIngress } from '../triggers/amqp-ingress.js';
import { TenantBrokers } from '../triggers/tenant-broker.js';
import { brokerPolicyOf } from '../triggers/broker-policy.js';
import { NotificationListener } from '../triggers/os-notifications.js';

export interface TriggerListenerDeps {
  config: Readonly<Config>;
  store: Store;
  queue: WorkQueue;
  logger: Logger;
  /** Names this process's tick leases. */
  workerId: string;
}

export interface TriggerListenerOptions {
  /** The service broker for the ingress; default: the work queue's URL when it is amqp://, else none. */
  ingressUrl?: string | null;
  scheduler?: SchedulerOptions;
}

export interface TriggerListeners {
  close(): Promise<void>;
}

export function startTriggerListeners(deps: TriggerListenerDeps, options: TriggerListenerOptions = {}): TriggerListeners {
  const { config, store, queue, logger } = deps;
  const log = logger.child({ part: 'triggers' });
  const parts: EventSource[] = [];
  const ingest = new Ingest(store, queue, config.quotas);

  const scheduler = new Scheduler(store, ingest, log, deps.workerId, { minIntervalS: config.triggers.scheduleMinIntervalS, ...options.scheduler });
  scheduler.start();
  parts.push(scheduler);

  const ingressUrl = options.ingressUrl !== undefined ? options.ingressUrl : /^amqps?:\/\//.test(config.queueUrl) ? config.queueUrl : null;
  if (ingressUrl) {
    const ingress = new AmqpIngress(store, ingest, log, { url: ingressUrl });
    ingress.start();
    parts.push(ingress);
  }

  const brokers = new TenantBrokers(store, ingest, config.secretsKey, brokerPolicyOf(config), log);
  brokers.start();
  parts.push(brokers);

  if (config.osNotificationsUrl) {
    const notifications = new NotificationListener(store, ingest, log, { url: config.osNotificationsUrl, databaseUrl: config.databaseUrl });
    notifications.start();
    parts.push(notifications);
  }

  return {
    close: async () => {
      await Promise.all(parts.map((p) => p.close().catch((err: unknown) => log.error({ err, source: p.name }, 'event source did not stop cleanly'))));
    },
  };
}
