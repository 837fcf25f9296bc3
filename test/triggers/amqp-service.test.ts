/**
 * `amqp` triggers on the service broker: tenants publish to the `fnstack.events` topic exchange
 * with `<project_id>.<key>`; the ingress turns each message into an event of that project. Runs
 * with the store queue (ingress started beside the service) and with the RabbitMQ work queue
 * (the service's own ingress), on both dialects. Also proves that a tenant's broker user cannot
 * publish or subscribe with another project's keys, and that no other project's trigger sees them.
 */
import test from 'ava';
import amqplib from 'amqplib';
import pino from 'pino';
import { AmqpIngress, tenantGrant } from '../../service/triggers/amqp-ingress.js';
import { StoreQueue } from '../../service/queue/store-queue.js';
import { Ingest } from '../../service/listener/ingest.js';
import { loadConfig } from '../../service/config.js';
import { requireService } from '../_helpers/requirements.js';
import { pollUntil } from '../_helpers/poll.js';
import {
  DIALECTS, callApi, unique, createRabbitUser, createVhost, echoFunction, echoFunctionAs, executionsAs, executionsOf, otherProject, rabbitAvailable, rabbitmqctl, serviceOn, sleep, waitForExecutions, type TriggerService, type TestVhost,
} from './_helpers.js';

const EXCHANGE = 'fnstack.events';

interface Setup {
  ts: TriggerService;
  vhost: TestVhost;
  close(): Promise<void>;
}

/** A service whose events reach it through the ingress on a fresh vhost, with either work queue. */
async function setup(t: Parameters<typeof serviceOn>[0], dialect: (typeof DIALECTS)[number], queue: 'store' | 'rabbitmq'): Promise<Setup | null> {
  if (!requireService(t, 'RabbitMQ on 127.0.0.1:5672', await rabbitAvailable())) return null;
  const vhost = await createVhost();
  const ts = await serviceOn(t, dialect, { env: queue === 'rabbitmq' ? { FNSTACK_QUEUE_URL: vhost.url } : {} }).catch(async (err: unknown) => {
    await vhost.drop();
    throw err;
  });
  if (!ts) {
    await vhost.drop();
    return null;
  }
  // With the store queue the service has no broker of its own: run the ingress beside it, on the same database.
  const ingress = queue === 'store' ? new AmqpIngress(ts.store, new Ingest(ts.store, new StoreQueue(ts.store.db), loadConfig({}).quotas), pino({ level: 'silent' }), { url: vhost.url, retryMs: 500 }) : null;
  ingress?.start();
  return {
    ts,
    vhost,
    close: async () => {
      await ingress?.close();
      await ts.close();
      await vhost.drop();
    },
  };
}

async function publisher(url: string) {
  const conn = await amqplib.connect(url);
  const ch = await conn.createConfirmChannel();
  // The ingress declares the exchange; wait for it.
  await pollUntil('the ingress to declare the exchange', async () => {
    const probe = await conn.createChannel();
    try {
      await probe.checkExchange(EXCHANGE);
      await probe.close();
      return true;
    } catch {
      return undefined; // (a failed check closes the channel)
    }
  }, { everyMs: 100 });
  // The exchange exists a moment before the ingress binds its queue to it: until then a
  // message is unroutable. A mandatory probe comes back until the binding is there (the
  // ingress drops the probe itself: no project has that name).
  let returned = 0;
  ch.on('return', () => returned++);
  await pollUntil('the ingress to bind its queue', async () => {
    const before = returned;
    await new Promise<void>((resolve, reject) => ch.publish(EXCHANGE, 'no-such-project.probe', Buffer.from('{}'), { mandatory: true }, (err) => (err ? reject(err) : resolve())));
    await new Promise((r) => setTimeout(r, 50)); // a return arrives before the confirm settles, but give it a moment
    return returned === before ? true : undefined;
  }, { everyMs: 100 });
  return {
    publish: (key: string, body: unknown, options: amqplib.Options.Publish = {}) =>
      new Promise<void>((resolve, reject) => ch.publish(EXCHANGE, key, Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)), { persistent: true, contentType: 'application/json', ...options }, (err) => (err ? reject(err) : resolve()))),
    close: () => conn.close(),
  };
}

for (const dialect of DIALECTS) {
  for (const queue of ['store', 'rabbitmq'] as const) {
    test(`${dialect} + ${queue} queue: events published on the service broker run the matching amqp triggers; dropped ones are dead letters`, async (t) => {
      const s = await setup(t, dialect, queue);
      if (!s) return;
      try {
        const { ts } = s;
        await echoFunction(ts, 'orders');
        const shop = await ts.store.accounts.createProject(unique('shop'), 'builtin');
        t.is((await ts.api('POST', '/v1/triggers', { name: 'orders', function: 'orders', kind: 'amqp', config: { pattern: 'order.*' } })).status, 201);
        const pub = await publisher(s.vhost.url);
        try {
          await pub.publish(`${ts.projectId}.order.created`, { specversion: '1.0', id: 'ce-1', source: 'shop', type: 'com.shop.order', data: { n: 1 } });
          await pub.publish(`${ts.projectId}.order.paid`, { n: 2 }, { messageId: 'plain-2' });
          await pub.publish(`${ts.projectId}.invoice.sent`, { n: 3 }); // pattern does not match
          await pub.publish(`not-a-project.order.created`, { n: 4 }); // unknown project: no tenant to tell
          // Dropped, and kept as the project's dead letters with the reason:
          await pub.publish(`${ts.projectId}.order.bad`, Buffer.from('not json at all'), { messageId: 'bad-1' });
          await pub.publish(`${ts.projectId}.order.fake`, { specversion: '1.0', id: 'x' }); // a CloudEvent without source/type
          await pub.publish(ts.projectId, { n: 5 }); // no <key>
          await pub.publish(`${shop.name}.order.created`, { n: 6 }); // a project's name, not its id
          await pub.publish(`${ts.projectId}.order.bytes`, Buffer.from([0xff, 0xfe, 0x00]));
        } finally {
          await pub.close();
        }
        const done = await waitForExecutions(ts, 'orders', 2);
        const dead = await pollUntil('the dropped messages in the dead letters', async () => {
          const items = (await ts.api('GET', '/v1/dead-letters')).body.items as Array<{ id: string; reason: string; message: Record<string, unknown> }>;
          return items.length >= 4 ? items : undefined;
        });
        await sleep(1500);
        t.is((await executionsOf(ts, 'orders')).length, 2);
        t.is((await ts.api('GET', '/v1/dead-letters')).body.items.length, 4, 'the unknown project left nothing here');
        const byKey = Object.fromEntries(dead.map((d) => [d.message.routing_key as string, d]));
        t.like(byKey[`${ts.projectId}.order.bad`]?.message, { kind: 'amqp_message', exchange: EXCHANGE, message_id: 'bad-1', body: 'not json at all', body_bytes: 15, body_truncated: false });
        t.regex(byKey[`${ts.projectId}.order.bad`]!.reason, /not valid JSON/);
        t.regex(byKey[`${ts.projectId}.order.fake`]!.reason, /not one: .*source/);
        t.regex(byKey[ts.projectId]!.reason, /no <key> after the project id/);
        const [byName] = await pollUntil('the name-keyed message in its project', async () => {
          const items = await ts.store.forProject(shop.id).deadLetters.list(10);
          return items.length > 0 ? items : undefined;
        });
        t.is(byName!.reason, `the routing key '${shop.name}.order.created' starts with the project's name: publish with its id, '${shop.id}.<key>'`);
        t.like(byKey[`${ts.projectId}.order.bytes`]?.message, { body_base64: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') });
        // Readable and discardable, not retryable (it never was an event).
        t.is((await ts.api('POST', `/v1/dead-letters/${byKey[ts.projectId]!.id}/retry`)).status, 422);
        t.is((await ts.api('DELETE', `/v1/dead-letters/${byKey[ts.projectId]!.id}`)).status, 204);
        const byId = Object.fromEntries(done.map((e) => [e.event_id, e.result!.event as Record<string, unknown>]));
        t.like(byId['ce-1'], { type: 'com.shop.order', source: 'shop', fnstackkey: 'order.created', data: { n: 1 } });
        t.like(byId['plain-2'], { type: 'order.paid', source: `fnstack:/amqp/${ts.projectId}`, fnstackkey: 'order.paid', data: { n: 2 } });
        t.true(done.every((e) => e.status === 'succeeded'));
        t.is((await ts.api('GET', '/v1/triggers/orders')).body.fire_count, 2);
      } finally {
        await s.close();
      }
    });
  }
}

test('a tenant cannot publish or subscribe with another project’s keys, and no other project sees its events', async (t) => {
  const s = await setup(t, 'sqlite', 'rabbitmq');
  if (!s) return;
  const users: Array<{ drop(): Promise<void> }> = [];
  try {
    const { ts, vhost } = s;
    const a = { projectId: ts.projectId, key: ts.apiKey };
    const b = await otherProject(ts);
    await echoFunction(ts, 'a-fn');
    await echoFunctionAs(ts.url, b.key, 'b-fn');
    t.is((await ts.api('POST', '/v1/triggers', { name: 'a-all', function: 'a-fn', kind: 'amqp', config: { pattern: '#' } })).status, 201);
    t.is((await b.api('POST', '/v1/triggers', { name: 'b-all', function: 'b-fn', kind: 'amqp', config: { pattern: '#' } })).status, 201);
    t.is((await b.api('POST', '/v1/triggers', { name: 'b-events', function: 'b-fn', kind: 'event' })).status, 201);

    // Each tenant's broker user gets the documented grant.
    const userOf = async (projectId: string) => {
      const u = await createRabbitUser(vhost.name);
      users.push(u);
      const g = tenantGrant(projectId);
      await rabbitmqctl('set_permissions', '-p', vhost.name, u.name, g.configure, g.write, g.read);
      await rabbitmqctl('set_topic_permissions', '-p', vhost.name, u.name, g.topic.exchange, g.topic.write, g.topic.read);
      return { ...u, grant: g };
    };
    const ua = await userOf(a.projectId);

    const refused = async (what: string, op: (ch: amqplib.ConfirmChannel) => Promise<unknown>) => {
      const conn = await amqplib.connect(ua.url);
      conn.on('error', () => undefined);
      const ch = await conn.createConfirmChannel();
      ch.on('error', () => undefined);
      try {
        await op(ch);
        t.fail(`${what}: allowed`);
      } catch (err) {
        t.regex(String((err as Error).message), /ACCESS[-_]REFUSED|403/, what);
      } finally {
        await conn.close().catch(() => undefined);
      }
    };
    const publishAs = (ch: amqplib.ConfirmChannel, key: string) =>
      new Promise<void>((resolve, reject) => {
        ch.once('error', reject);
        ch.publish(EXCHANGE, key, Buffer.from('{"stolen":true}'), {}, (err) => (err ? reject(err) : resolve()));
      });

    const ownQueue = `${ua.grant.queuePrefix}mine`;
    await refused('publish with B’s prefix', (ch) => publishAs(ch, `${b.projectId}.order.created`));
    await refused('bind own queue to B’s keys', async (ch) => {
      await ch.assertQueue(ownQueue, { exclusive: true });
      await ch.bindQueue(ownQueue, EXCHANGE, `${b.projectId}.#`);
    });
    await refused('bind own queue to every key', async (ch) => {
      await ch.assertQueue(ownQueue, { exclusive: true });
      await ch.bindQueue(ownQueue, EXCHANGE, '#');
    });
    await refused('declare a queue in B’s name space', (ch) => ch.assertQueue(`fnstack.tenant.${b.projectId}.spy`, { exclusive: true }));
    await refused('consume the ingress queue', (ch) => ch.consume('fnstack.events.ingress', () => undefined));

    // Allowed: A subscribes to and publishes its own keys — and sees only its own message.
    const conn = await amqplib.connect(ua.url);
    try {
      const ch = await conn.createConfirmChannel();
      await ch.assertQueue(ownQueue, { exclusive: true });
      await ch.bindQueue(ownQueue, EXCHANGE, `${a.projectId}.#`);
      await new Promise<void>((resolve, reject) => ch.publish(EXCHANGE, `${a.projectId}.order.created`, Buffer.from('{"mine":true}'), { messageId: 'a-1' }, (err) => (err ? reject(err) : resolve())));
      await sleep(300);
      const got = await ch.get(ownQueue, { noAck: true });
      t.truthy(got);
      t.is(got && got.fields.routingKey, `${a.projectId}.order.created`);
    } finally {
      await conn.close();
    }

    await waitForExecutions(ts, 'a-fn', 1);
    await sleep(2000);
    t.deepEqual((await executionsOf(ts, 'a-fn')).map((e) => e.event_id), ['a-1']);
    t.deepEqual(await executionsAs(ts.url, b.key, 'b-fn'), [], 'B’s triggers saw nothing of A’s event');
    // Nor can B read A's executions.
    t.is((await callApi(ts.url, b.key, 'GET', `/v1/executions?function=a-fn`)).body.items.length, 0);
  } finally {
    for (const u of users) await u.drop();
    await s.close();
  }
});
