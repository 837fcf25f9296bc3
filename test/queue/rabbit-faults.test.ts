/**
 * The RabbitMQ back end under faults, on the real broker, each test in its own vhost.
 * The shared broker is never stopped: connections are closed (rabbitmqctl
 * close_all_connections, scoped to the test's vhost) or cut by a TCP proxy in this
 * process that stands in for an unreachable broker.
 */
import test, { type ExecutionContext } from 'ava';
import amqplib from 'amqplib';
import { appendFileSync } from 'node:fs';
import net from 'node:net';
import { Store } from '../../service/store/store.js';
import { RabbitQueue, QueueUnavailableError, type RabbitQueueOptions } from '../../service/queue/rabbit-queue.js';
import { REASON_HEADER, topologyNames } from '../../service/queue/rabbit-topology.js';
import type { Delivery, WorkMessage } from '../../service/queue/queue.js';
import { createTestDatabase, mariadbAvailable } from '../_helpers/mariadb.js';
import { requireService } from '../_helpers/requirements.js';
import { pollUntil } from '../_helpers/poll.js';
import { RABBIT, createTestVhost, rabbitAvailable, rabbitctl } from '../_helpers/rabbitmq.js';


/** FNSTACK_TEST_RABBIT_LOG=<file>: the queues' connection events go there (debugging faults). */
const LOG_FILE = process.env.FNSTACK_TEST_RABBIT_LOG;
const note = (level: string, obj: object, msg: string) => LOG_FILE && appendFileSync(LOG_FILE, `${new Date().toISOString()} ${level} ${msg} ${JSON.stringify(obj)}\n`);
const logger = { info: (o: object, m: string) => note('info', o, m), warn: (o: object, m: string) => note('warn', o, m), error: (o: object, m: string) => note('error', o, m) };

const PREFIX = 't.';
const names = topologyNames(PREFIX);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const msg = (i: number): WorkMessage => ({ kind: 'run', executionId: `e${i}`, projectId: 'p' });
const idOf = (d: Delivery) => (d.message as { executionId: string }).executionId;

const until = (what: string, cond: () => boolean | Promise<boolean>) => pollUntil(what, async () => ((await cond()) ? true : undefined), { everyMs: 10 });

/**
 * Starts a consumer and resolves to what its handler reports. consume() is awaited, so its
 * failure fails the test instead of escaping as an unhandled rejection.
 */
async function reported<T>(queue: RabbitQueue, handler: (d: Delivery, report: (value: T) => void) => Promise<void>): Promise<T> {
  let report!: (value: T) => void;
  const value = new Promise<T>((r) => (report = r));
  await queue.consume((d) => handler(d, report), { prefetch: 1 });
  return value;
}

/** A TCP proxy in front of the broker: `down()` cuts every connection and refuses new ones. */
async function startProxy() {
  const sockets = new Set<net.Socket>();
  let up = true;
  const server = net.createServer((client) => {
    if (!up) return void client.destroy();
    const upstream = net.connect(Number(RABBIT.port || 5672), RABBIT.hostname);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', end).on('close', end);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (vhostUrl: string) => {
      const u = new URL(vhostUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    down: () => {
      note('proxy', {}, 'down');
      up = false;
      for (const s of sockets) s.destroy();
    },
    up: () => {
      note('proxy', {}, 'up');
      up = true;
    },
    close: () => {
      note('proxy', {}, 'close');
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface Env {
  vhost: Awaited<ReturnType<typeof createTestVhost>>;
  store: Store;
  /** A plain amqplib channel on the test's vhost, to look at what the broker holds (opened anew after a kill). */
  inspect(): Promise<amqplib.Channel>;
  connect(options?: RabbitQueueOptions, url?: string): Promise<RabbitQueue>;
}

const available = async () => (await rabbitAvailable()) && (await mariadbAvailable());

function faultTest(title: string, body: (t: ExecutionContext, env: Env) => Promise<void>) {
  test.serial(`rabbitmq faults: ${title}`, async (t) => {
    if (!requireService(t, 'RabbitMQ (with rabbitmqctl) and MariaDB', await available())) return;
    const [vhost, db] = await Promise.all([createTestVhost(), createTestDatabase()]);
    const store = await Store.open(db.url);
    const conns: amqplib.ChannelModel[] = [];
    let channel: amqplib.Channel | null = null;
    const inspect = async () => {
      if (channel) return channel;
      const conn = await amqplib.connect(vhost.url);
      conns.push(conn);
      conn.on('error', () => undefined);
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      ch.on('close', () => channel === ch && (channel = null));
      return (channel = ch);
    };
    const queues: RabbitQueue[] = [];
    try {
      await body(t, {
        vhost,
        store,
        inspect,
        connect: async (options = {}, url = vhost.url) => {
          const q = await RabbitQueue.connect(url, store, { prefix: PREFIX, logger, ...options });
          queues.push(q);
          return q;
        },
      });
    } finally {
      note('test', {}, 'cleanup');
      for (const q of queues) await q.close();
      note('test', {}, 'queues closed');
      for (const c of conns) await c.close().catch(() => undefined);
      await store.close();
      await Promise.allSettled([db.drop(), vhost.drop()]);
    }
  });
}

/** Ready and unacked messages per queue of the vhost, as the broker counts them. */
async function brokerCounts(vhost: string): Promise<Map<string, { ready: number; unacked: number }>> {
  const out = await rabbitctl('list_queues', '-p', vhost, '--no-table-headers', 'name', 'messages_ready', 'messages_unacknowledged');
  const counts = new Map<string, { ready: number; unacked: number }>();
  for (const line of out.trim().split('\n').filter(Boolean)) {
    const [name, ready, unacked] = line.trim().split(/\s+/);
    counts.set(name!, { ready: Number(ready), unacked: Number(unacked) });
  }
  return counts;
}

/** Watches ping(): the first moment it went false, and how long until it was true again. */
function watchPing(queue: RabbitQueue) {
  let downAt = 0;
  let upAt = 0;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const ok = await queue.ping();
      if (!ok && !downAt) downAt = Date.now();
      if (ok && downAt && !upAt) upAt = Date.now();
      await sleep(5);
    }
  })();
  return {
    get downAt() {
      return downAt;
    },
    get reconnectMs() {
      return downAt && upAt ? upAt - downAt : null;
    },
    stop: async () => {
      stop = true;
      await loop;
    },
  };
}

faultTest('close_all_connections while 200 messages are published and consumed: every message acked, none lost', async (t, env) => {
  const N = 200;
  const queue = await env.connect(); // default reconnect pause (1 s): the reconnect time reported is what production sees
  const acks = new Map<string, number>();
  const firstAttempt = new Map<string, number>(); // a second attempt-1 delivery is a publish sent twice
  let redelivered = 0; // attempt > 1: the broker took the message back when the connection went
  let lastAckAt = 0;
  const ackTimes: number[] = [];
  const consumer = await queue.consume(
    async (d) => {
      if (d.attempt > 1) redelivered++;
      else firstAttempt.set(idOf(d), (firstAttempt.get(idOf(d)) ?? 0) + 1);
      await sleep(50 + Math.random() * 100); // keeps a few messages in flight at any time
      await d.ack();
      acks.set(idOf(d), (acks.get(idOf(d)) ?? 0) + 1);
      lastAckAt = Date.now();
      ackTimes.push(lastAckAt);
    },
    { prefetch: 10 },
  );
  const ping = watchPing(queue);

  // ~40 messages/s from 5 publishers; the second half waits for the drop to be seen, so the
  // kill lands in the middle of the stream however long rabbitmqctl takes to start.
  let published = 0;
  let lastPublishAt = 0;
  let next = 0;
  const publishers = Array.from({ length: 5 }, async () => {
    while (next < N) {
      const i = next++;
      if (i >= N / 2) await until('the drop', () => ping.downAt > 0);
      await queue.publish(msg(i));
      published++;
      lastPublishAt = Date.now();
      await sleep(100 + Math.random() * 50);
    }
  });
  await until('40 published', () => published >= 40);
  await rabbitctl('close_all_connections', '-p', env.vhost.name, 'fnstack fault test');
  await Promise.all(publishers);
  t.is(published, N, 'every publish resolved');

  await until('every message acked', () => acks.size === N);
  await until('no delivery for 1.5 s', () => Date.now() - lastAckAt > 1500);
  await consumer.stop();
  await ping.stop();

  const counts = await brokerCounts(env.vhost.name);
  t.deepEqual(counts.get(names.work), { ready: 0, unacked: 0 }, 'nothing left on the work queue');
  const missing = Array.from({ length: N }, (_, i) => `e${i}`).filter((id) => !acks.has(id));
  t.deepEqual(missing, [], 'no message lost');
  t.truthy(ping.downAt, 'the connection was seen down');
  t.true(ping.downAt < lastPublishAt, 'the connection went down while messages were still being published');
  t.truthy(ping.reconnectMs, 'and came back');
  const ackedTwice = [...acks.values()].filter((n) => n > 1).length;
  const publishDuplicates = [...firstAttempt.values()].reduce((s, n) => s + n - 1, 0);
  const resumedAfter = (ackTimes.find((at) => at > ping.downAt + (ping.reconnectMs ?? 0)) ?? NaN) - ping.downAt;
  t.log(
    `${N} published and acked; ${ackedTwice} acked more than once (${redelivered} redeliveries of unacked messages, ${publishDuplicates} publishes sent twice); ` +
      `connection down→up ${ping.reconnectMs} ms; first ack on the new connection ${resumedAfter} ms after the drop`,
  );
});

faultTest('publish while the broker is unreachable waits, and succeeds after the reconnect', async (t, env) => {
  const proxy = await startProxy();
  try {
    // a publish timeout far beyond the outage, however slowly this machine reconnects
    const queue = await env.connect({ reconnectSeconds: 0.2, publishTimeoutMs: 120_000, refuseWhileUnreachable: false }, proxy.url(env.vhost.url));
    proxy.down();
    await until('ping() to report the loss', async () => !(await queue.ping()));
    let settled = false;
    const started = Date.now();
    const p = queue.publish(msg(1)).finally(() => (settled = true));
    await sleep(1500);
    t.false(settled, 'publish waits while the broker is away');
    proxy.up();
    await p;
    t.log(`publish resolved ${Date.now() - started} ms after it was called (broker away for the first ~1500 ms)`);
    await until('both connections back', () => queue.ping());
    const got = await (await env.inspect()).get(names.work, { noAck: true });
    t.truthy(got, 'the message is on the broker');
    t.deepEqual(got && JSON.parse(got.content.toString()), msg(1));
  } finally {
    await proxy.close();
  }
});

faultTest('publish gives up after publishTimeoutMs with a QueueUnavailableError (503 at the API), and the message is not sent later', async (t, env) => {
  const proxy = await startProxy();
  try {
    const queue = await env.connect({ reconnectSeconds: 0.2, publishTimeoutMs: 800, refuseWhileUnreachable: false }, proxy.url(env.vhost.url));
    proxy.down();
    await until('ping() to report the loss', async () => !(await queue.ping()));
    const started = Date.now();
    const err = await t.throwsAsync(queue.publish(msg(1)), { instanceOf: QueueUnavailableError });
    const waited = Date.now() - started;
    t.true(err?.retryable);
    t.true(waited >= 700, `gave up after ${waited} ms`);
    proxy.up();
    await until('reconnect', () => queue.ping());
    await queue.publish(msg(2));
    const counts = await brokerCounts(env.vhost.name);
    t.is(counts.get(names.work)?.ready, 1, 'only the second message is on the broker');
  } finally {
    await proxy.close();
  }
});

faultTest('confirms: every publish that resolved is on the broker, persistent, even across close_all_connections', async (t, env) => {
  const queue = await env.connect({ reconnectSeconds: 0.2 });
  const ping = watchPing(queue);
  const N = 100;
  let resolved = 0;
  let lastResolvedAt = 0;
  let next = 0;
  // The second half waits for the drop to be seen, so that the kill lands in the middle.
  const publishers = Array.from({ length: 10 }, async () => {
    while (next < N) {
      const i = next++;
      if (i >= N / 2) await until('the drop', () => ping.downAt > 0);
      await queue.publish(msg(i));
      resolved++;
      lastResolvedAt = Date.now();
      await sleep(50 + Math.random() * 100);
    }
  });
  await until('30 published', () => resolved >= 30);
  await rabbitctl('close_all_connections', '-p', env.vhost.name, 'fnstack fault test');
  await Promise.all(publishers);
  await ping.stop();
  t.true(ping.downAt > 0 && ping.downAt < lastResolvedAt, 'the connection went down while messages were still being published');

  const counts = await brokerCounts(env.vhost.name);
  const onBroker = counts.get(names.work)?.ready ?? 0;
  t.true(onBroker >= N, `${onBroker} messages on the broker for ${N} resolved publishes`);
  const ids = new Set<string>();
  let persistent = 0;
  const ch = await env.inspect();
  for (;;) {
    const m = await ch.get(names.work, { noAck: true });
    if (!m) break;
    ids.add((JSON.parse(m.content.toString()) as { executionId: string }).executionId);
    if (m.properties.deliveryMode === 2) persistent++;
  }
  t.is(ids.size, N, 'every resolved publish is there');
  t.is(persistent, onBroker, 'all persistent');
  t.log(`${N} resolved, ${onBroker} on the broker (${onBroker - N} re-sent after the connection dropped before the confirm)`);
});

faultTest('a message whose consumers keep dying counts every delivery (attempt 3 after two deaths)', async (t, env) => {
  const first = await env.connect();
  await first.publish(msg(1));
  const hang = (q: RabbitQueue) =>
    reported<number>(q, async (d, report) => {
      report(d.attempt);
      await new Promise(() => undefined);
    });
  t.is(await hang(first), 1);
  await first.close();
  const second = await env.connect();
  t.is(await hang(second), 2);
  await second.close();
  const third = await env.connect();
  const d = await reported<Delivery>(third, async (x, report) => (report(x), x.ack()));
  t.is(d.attempt, 3);
});

faultTest('dead letters go to <prefix>fnstack.dead with the reason in the headers, and to the store once', async (t, env) => {
  const queue = await env.connect();
  await queue.publish(msg(7));
  await reported<void>(queue, async (d, report) => (await d.deadLetter('poison: cannot parse'), report()));
  const dead = await (await env.inspect()).get(names.dead, { noAck: true });
  t.truthy(dead);
  if (!dead) return;
  t.is(dead.properties.headers?.[REASON_HEADER], 'poison: cannot parse');
  t.is(dead.properties.headers?.['x-fnstack-queue'], names.work);
  t.is(dead.properties.headers?.['x-fnstack-project'], 'p');
  t.deepEqual(JSON.parse(dead.content.toString()), msg(7));
  const rows = await env.store.db.selectFrom('dead_letters').selectAll().execute();
  t.is(rows.length, 1);
  t.is(rows[0]!.id, dead.properties.messageId, 'recorded under the message id (a second dead-lettering of the same message is kept once)');
  t.is(rows[0]!.project_id, 'p');
  t.is(rows[0]!.queue, names.work);
  t.deepEqual(await env.store.forProject('p').deadLetters.list(10).then((l) => l.map((x) => x.reason)), ['poison: cannot parse']);
});

faultTest('an unreadable message is dead-lettered without reaching the handler', async (t, env) => {
  const queue = await env.connect();
  await queue.ping();
  const ch = await env.inspect();
  await ch.assertQueue(names.work, { durable: true });
  ch.sendToQueue(names.work, Buffer.from('{not json'), { persistent: true, messageId: 'bad-1' });
  let handled = 0;
  const c = await queue.consume(async (d) => void (handled++, await d.ack()), { prefetch: 1 });
  await until('the dead letter', async () => (await env.store.db.selectFrom('dead_letters').select('id').execute()).length === 1);
  await c.stop();
  t.is(handled, 0);
  const [row] = await env.store.db.selectFrom('dead_letters').selectAll().execute();
  t.is(row?.id, 'bad-1');
  t.regex(row?.reason ?? '', /unreadable work message/);
  t.is(row?.payload, '{not json');
});

faultTest('a queue deleted under the running service: the consumer comes back and a message published meanwhile is not lost', async (t, env) => {
  const queue = await env.connect({ reconnectSeconds: 0.2 });
  const seen: string[] = [];
  const c = await queue.consume(async (d) => (seen.push(idOf(d)), d.ack()), { prefetch: 1 });
  await queue.publish(msg(1));
  await until('first delivery', () => seen.length === 1);
  await (await env.inspect()).deleteQueue(names.work);
  const started = Date.now();
  // Published into the gap: no queue takes it, the broker returns it, it is sent again after the redeclaration.
  await queue.publish(msg(2));
  await until('delivery after the queue came back', () => seen.length === 2);
  t.log(`message published into the gap delivered ${Date.now() - started} ms after the queue was deleted`);
  await queue.publish(msg(3));
  await until('and the next one', () => seen.length === 3);
  await c.stop();
  t.deepEqual(seen, ['e1', 'e2', 'e3']);
});

faultTest('a handler that throws without settling has its message retried with backoff', async (t, env) => {
  const queue = await env.connect();
  await queue.publish(msg(1));
  const attempts: number[] = [];
  const c = await queue.consume(async (d) => {
    attempts.push(d.attempt);
    if (d.attempt === 1) throw new Error('boom');
    await d.ack();
  }, { prefetch: 1 });
  await until('the second attempt', () => attempts.length === 2);
  await c.stop();
  t.deepEqual(attempts, [1, 2]);
});
