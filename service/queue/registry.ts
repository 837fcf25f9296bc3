/** Chooses the work queue back end from configuration. */
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { WorkQueue } from './queue.js';
import type { QueueLogger } from './rabbit-support.js';
import { StoreQueue } from './store-queue.js';
import { ConfigError } from '../errors.js';

/**
 * `queue_url: store` → the queue inside the store (embedded default); `amqp://…` or
 * `amqps://…` → RabbitMQ, loaded on demand so the embedded default never loads amqplib.
 * The logger, when given, receives the RabbitMQ connection events.
 */
export async function createQueue(config: Readonly<Config>, store: Store, logger?: QueueLogger): Promise<WorkQueue> {
  if (config.queueUrl === 'store') return new StoreQueue(store.db);
  if (/^amqps?:\/\//.test(config.queueUrl)) {
    const { RabbitQueue } = await import('./rabbit-queue.js');
    return RabbitQueue.connect(config.queueUrl, store, logger ? { logger } : {});
  }
  throw new ConfigError('queue_url', 'must be "store" or an amqp:// URL');
}
