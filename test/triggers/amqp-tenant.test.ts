/**
 * `amqp` triggers on the tenant's own broker: the service consumes the tenant's queue with the
 * tenant's credentials (sealed at rest, never shown), survives the connection being dropped,
 * acks only once the event is durable, and reports broker trouble as the trigger's last_error.
 */
import test from 'ava';
import amqplib from 'amqplib';
import { requireService } from '../_helpers/requirements.js';
import { pollUntil } from '../_helpers/poll.js';
import {
  createRabbitUser, createVhost, echoFunction, executionsOf, rabbitAvailable, rabbitmqctl, serviceOn, sleep, waitForExecutions, type DialectName,
} from './_helpers.js';

/** The tenant brokers here are vhosts on the local RabbitMQ: the operator's allow-list lets the service reach it. */
const ALLOW_LOCAL_BROKER = { FNSTACK_TRIGGER_BROKER_ALLOW: '127.0.0.1:5672' };

const VARIANTS: Array<[DialectName, 'store' | 'rabbitmq']> = [
  ['sqlite', 'store'],
  ['mariadb', 'store'],
  ['mariadb', 'rabbitmq'],
];

/** The tenant's broker: its own vhost and user, and a queue it owns. */
async function tenantBroker() {
  const vhost = await createVhost('fnstack-trg-tenant');
  const user = await createRabbitUser(vhost.name, 'fnstack-trg-tenant');
  await rabbitmqctl('set_permissions', '-p', vhost.name, user.name, '.*', '.*', '.*');
  // The test publishes as guest, so that dropping the service user's connections leaves it alone.
  const conn = await amqplib.connect(vhost.url);
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue('jobs', { durable: true });
  return {
    vhost,
    user,
    ch,
    send: (body: Buffer | object, options: amqplib.Options.Publish = {}) =>
      new Promise<void>((resolve, reject) =>
        ch.sendToQueue('jobs', Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)), { persistent: true, ...options }, (err) => (err ? reject(err) : resolve())),
      ),
    close: async () => {
      await conn.close().catch(() => undefined);
      await user.drop();
      await vhost.drop();
    },
  };
}

/** Drops the service's connections to the tenant broker (only this test's user's connections). */
async function dropConnectionsOf(user: string): Promise<number> {
  const out = await rabbitmqctl('list_connections', 'pid', 'user');
  let n = 0;
  for (const line of out.split('\n')) {
    const [pid, who] = line.trim().split(/\s+/);
    if (pid && who === user) {
      await rabbitmqctl('close_connection', pid, 'fnstack test: dropped on purpose');
      n++;
    }
  }
  return n;
}

for (const [dialect, queue] of VARIANTS) {
  test(`${dialect} + ${queue} queue: messages on the tenant's queue run the function, across a dropped connection`, async (t) => {
    if (!requireService(t, 'RabbitMQ on 127.0.0.1:5672', await rabbitAvailable())) return;
    const tenant = await tenantBroker();
    let workVhost: Awaited<ReturnType<typeof createVhost>> | null = null;
    let ts: Awaited<ReturnType<typeof serviceOn>> = null;
    try {
      workVhost = queue === 'rabbitmq' ? await createVhost() : null;
      ts = await serviceOn(t, dialect, { env: { ...ALLOW_LOCAL_BROKER, ...(workVhost ? { FNSTACK_QUEUE_URL: workVhost.url } : {}) } });
      if (!ts) return;
      await echoFunction(ts, 'jobs');
      const r = await ts.api('POST', '/v1/triggers', { name: 'jobs', function: 'jobs', kind: 'amqp', config: { broker_url: tenant.user.url, queue: 'jobs' } });
      t.is(r.status, 201, JSON.stringify(r.body));
      t.false(JSON.stringify(r.body).includes(tenant.user.password));

      await tenant.send({ specversion: '1.0', id: 'job-1', source: 'tenant-app', type: 'job.created', data: { n: 1 } });
      await tenant.send({ n: 2 }, { messageId: 'job-2', type: 'job.plain' });
      await tenant.send(Buffer.from('not json')); // rejected (nack, no requeue), noted as last_error
      await waitForExecutions(ts, 'jobs', 2);

      t.true((await dropConnectionsOf(tenant.user.name)) >= 1, 'the service had a connection to drop');
      await sleep(500);
      await tenant.send({ n: 3 }, { messageId: 'job-3' });
      const done = await waitForExecutions(ts, 'jobs', 3);
      await sleep(1500);
      const all = await executionsOf(ts, 'jobs');
      t.deepEqual(all.map((e) => e.event_id).sort(), ['job-1', 'job-2', 'job-3']);
      t.true(done.every((e) => e.status === 'succeeded'));
      const byId = Object.fromEntries(done.map((e) => [e.event_id, e.result!.event as Record<string, unknown>]));
      t.like(byId['job-1'], { type: 'job.created', source: 'tenant-app', data: { n: 1 } });
      t.like(byId['job-2'], { type: 'job.plain', source: 'fnstack:/triggers/jobs', data: { n: 2 } });

      // Everything was settled on the tenant's queue.
      const left = await tenant.ch.checkQueue('jobs');
      t.is(left.messageCount, 0);
      const shown = (await ts.api('GET', '/v1/triggers/jobs')).body;
      t.is(shown.fire_count, 3);
      t.regex(String(shown.last_error), /not valid JSON/);
      t.false(JSON.stringify(shown).includes(tenant.user.password));
    } finally {
      await ts?.close();
      await workVhost?.drop();
      await tenant.close();
    }
  });
}

test('broker trouble shows as last_error, without the credentials', async (t) => {
  if (!requireService(t, 'RabbitMQ on 127.0.0.1:5672', await rabbitAvailable())) return;
  const tenant = await tenantBroker();
  let ts: Awaited<ReturnType<typeof serviceOn>> = null;
  try {
    ts = await serviceOn(t, 'sqlite', { env: ALLOW_LOCAL_BROKER });
    if (!ts) return;
    await echoFunction(ts, 'jobs');
    const wrong = new URL(tenant.user.url);
    wrong.password = 'wrong-password-123';
    await ts.api('POST', '/v1/triggers', { name: 'bad-login', function: 'jobs', kind: 'amqp', config: { broker_url: wrong.toString(), queue: 'jobs' } });
    await ts.api('POST', '/v1/triggers', { name: 'no-queue', function: 'jobs', kind: 'amqp', config: { broker_url: tenant.user.url, queue: 'does-not-exist' } });
    const errorOf = (name: string) =>
      pollUntil(`the error of trigger ${name}`, async () => ((await ts!.api('GET', `/v1/triggers/${name}`)).body.last_error as string | null) ?? undefined);
    const login = await errorOf('bad-login');
    t.regex(String(login), /ACCESS[-_]REFUSED|403|auth/i);
    t.false(String(login).includes('wrong-password-123'));
    t.regex(String(await errorOf('no-queue')), /NOT[-_]FOUND|404|does-not-exist/);
  } finally {
    await ts?.close();
    await tenant.close();
  }
});
