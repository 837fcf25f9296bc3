/**
 * The RabbitMQ back end on the one conformance suite, against the real broker: each test
 * gets its own vhost (rabbitmqctl add_vhost, deleted afterwards) and its own MariaDB
 * database for the dead-letter records. Plus the pure pieces of the topology, and the
 * publish-with-confirm rate on this machine.
 */
import test from 'ava';
import amqplib from 'amqplib';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../service/config.js';
import { createQueue } from '../../service/queue/registry.js';
import { Store } from '../../service/store/store.js';
import { RabbitQueue, type RabbitQueueOptions } from '../../service/queue/rabbit-queue.js';
import { attemptOf, delayBucket, republishHeaders, topologyNames } from '../../service/queue/rabbit-topology.js';
import type { WorkQueue } from '../../service/queue/queue.js';
import { createTestDatabase, mariadbAvailable } from '../_helpers/mariadb.js';
import { requireService } from '../_helpers/requirements.js';
import { createTestVhost, rabbitAvailable } from '../_helpers/rabbitmq.js';
import { queueConformance } from './_conformance.js';


const available = async () => (await rabbitAvailable()) && (await mariadbAvailable());

queueConformance(
  'rabbitmq queue',
  {
    available,
    create: async () => {
      const [vhost, db] = await Promise.all([createTestVhost(), createTestDatabase()]);
      const store = await Store.open(db.url);
      const options: RabbitQueueOptions = { prefix: 't.', reconnectSeconds: 0.5, publishTimeoutMs: 120_000 };
      const queues: WorkQueue[] = [await RabbitQueue.connect(vhost.url, store, options)];
      return {
        queue: queues[0]!,
        reopen: async () => {
          const q = await RabbitQueue.connect(vhost.url, store, options);
          queues.push(q);
          return q;
        },
        deadLetters: async () => store.db.selectFrom('dead_letters').select(['reason']).execute(),
        cleanup: async () => {
          for (const q of queues) await q.close();
          await store.close();
          await Promise.allSettled([db.drop(), vhost.drop()]);
        },
      };
    },
  },
  requireService,
);

test('delay buckets: the smallest power of two at or above the delay, within 128 ms … 2^31 ms', (t) => {
  t.is(delayBucket(0), 128);
  t.is(delayBucket(100), 128);
  t.is(delayBucket(128), 128);
  t.is(delayBucket(129), 256);
  t.is(delayBucket(600), 1024);
  t.is(delayBucket(60_000), 65_536);
  t.is(delayBucket(1e12), 2 ** 31);
  for (let d = 1; d < 200_000; d = Math.ceil(d * 1.37)) t.true(delayBucket(d) >= d, `bucket of ${d}`);
});

test('attempt header: missing or malformed counts as the first attempt; republished copies drop the broker bookkeeping', (t) => {
  t.is(attemptOf(undefined), 1);
  t.is(attemptOf({ 'x-fnstack-attempt': 3 }), 3);
  t.is(attemptOf({ 'x-fnstack-attempt': '4' }), 4);
  t.is(attemptOf({ 'x-fnstack-attempt': 0 }), 1);
  t.is(attemptOf({ 'x-fnstack-attempt': 'x' }), 1);
  const h = republishHeaders({ 'x-death': [{}], 'x-first-death-queue': 'q', 'x-last-death-reason': 'expired', keep: 'me', 'x-fnstack-attempt': 1 }, 2, { extra: 1 });
  t.deepEqual(h, { keep: 'me', 'x-fnstack-attempt': 2, extra: 1 });
});

test('names: every exchange and queue carries the prefix', (t) => {
  const n = topologyNames('p.', 'fnstack.work');
  t.deepEqual([n.events, n.work, n.dead, n.delay(1024)], ['p.fnstack.events', 'p.fnstack.work', 'p.fnstack.dead', 'p.fnstack.work.delay.1024ms']);
});

test.serial('rabbitmq queue: every confirmed publish, one at a time or 100 in flight, is on the broker (rate logged)', async (t) => {
  if (!requireService(t, 'rabbitmq queue', await available())) return;
  const [vhost, db] = await Promise.all([createTestVhost(), createTestDatabase()]);
  const store = await Store.open(db.url);
  const queue = await RabbitQueue.connect(vhost.url, store, { prefix: 't.' });
  try {
    const msg = (i: number) => ({ kind: 'run' as const, executionId: `e${i}`, projectId: 'p' });
    let start = Date.now();
    const serial = 300;
    for (let i = 0; i < serial; i++) await queue.publish(msg(i));
    const serialRate = serial / ((Date.now() - start) / 1000);

    start = Date.now();
    const total = 3000;
    const window = 100;
    let next = 0;
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (next < total) await queue.publish(msg(next++));
      }),
    );
    const pipelinedRate = total / ((Date.now() - start) / 1000);
    t.log(`publish with confirm: ${serialRate.toFixed(0)} msg/s one at a time, ${pipelinedRate.toFixed(0)} msg/s with ${window} in flight`);
    const inspect = await amqplib.connect(vhost.url);
    try {
      const ch = await inspect.createChannel();
      t.is((await ch.checkQueue(topologyNames('t.').work)).messageCount, serial + total);
    } finally {
      await inspect.close();
    }
  } finally {
    await queue.close();
    await store.close();
    await Promise.allSettled([db.drop(), vhost.drop()]);
  }
});

test.serial('registry: queue_url amqp://… gives the RabbitMQ back end', async (t) => {
  if (!requireService(t, 'rabbitmq queue', await rabbitAvailable())) return;
  const vhost = await createTestVhost();
  const dir = await mkdtemp(join(tmpdir(), 'fnstack-registry-'));
  const store = await Store.open(`sqlite:${join(dir, 'test.db')}`);
  try {
    const config = loadConfig({ FNSTACK_DATA_DIR: dir, FNSTACK_QUEUE_URL: vhost.url });
    const queue = await createQueue(config, store);
    t.is(queue.name, 'rabbitmq');
    t.true(await queue.ping());
    await queue.close();
    t.false(await queue.ping());
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    await vhost.drop();
  }
});
