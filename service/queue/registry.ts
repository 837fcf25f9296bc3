/** Chooses the work queue back end from configuration. */
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import type { WorkQueue } from './queue.js';
import { StoreQueue } from './store-queue.js';
import { ConfigError } from '../errors.js';

export async function createQueue(config: Readonly<Config>, store: Store): Promise<WorkQueue> {
  if (config.queueUrl === 'store') return new StoreQueue(store.db);
  throw new ConfigError('queue_url', 'the RabbitMQ queue back end is not in this build yet');
}
