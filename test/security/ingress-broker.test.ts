/**
 * Attacks on the tenant-broker trigger (an amqp trigger's broker_url is a request the service
 * makes for the tenant): loopback and this host in all their spellings, the service's own
 * broker and vhost, port scanning through last_error, and a consumer that outlives its trigger.
 */
import test from 'ava';
import http from 'node:http';
import net from 'node:net';
import { lookup } from 'node:dns/promises';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import amqplib from 'amqplib';
import { startTestService, type TestService } from '../_helpers/service.js';
import { requireService } from '../_helpers/requirements.js';
import { createTestVhost, rabbitAvailable, RABBIT, type TestVhost } from '../_helpers/rabbitmq.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startService, type RunningService } from '../../service/main.js';
import { loadConfig } from '../../service/config.js';
import { BrokerPolicy, BrokerRefused } from '../../service/triggers/broker-policy.js';
import { TEST_SECRETS_KEY, echoFunction, executionsOf, sleep, waitForExecutions } from '../triggers/_helpers.js';

const RABBIT_ENDPOINT = `${RABBIT.hostname}:${RABBIT.port || 5672}`;
const NEUTRAL = 'tenant broker: cannot connect to the broker';

const tenantTrigger = (svc: TestService, name: string, brokerUrl: string, queue = 'jobs') =>
  svc.api('POST', '/v1/triggers', { name, function: 'echo', kind: 'amqp', config: { broker_url: brokerUrl, queue } });

async function lastErrorOf(svc: TestService, name: string): Promise<string> {
  for (;;) {
    const e = (await svc.api('GET', `/v1/triggers/${name}`)).body?.last_error as string | null;
    if (e) return e;
    await sleep(200);
  }
}

/** The host's own addresses that are neither loopback nor link-local (the service must not call itself through them). */
function ownAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i && !i.internal && !i.address.startsWith('fe80'))
    .map((i) => (i!.family === 'IPv6' ? `[${i!.address}]` : i!.address));
}

/** Names that resolve to loopback here: localhost, and this host's name when the hosts file maps it there. */
async function loopbackNames(): Promise<string[]> {
  const names: string[] = [];
  for (const n of ['localhost', hostname()]) {
    const all = await lookup(n, { all: true }).catch(() => []);
    if (all.length > 0 && all.every((a) => a.address === '::1' || a.address.startsWith('127.'))) names.push(n);
  }
  return names;
}

test('loopback, unspecified, link-local, multicast and this host itself are refused at create and update, naming config.broker_url', async (t) => {
  const svc = await startTestService();
  try {
    await echoFunction(svc, 'echo');
    const hosts = ['127.0.0.1', '127.1', '0x7f.1', '[::1]', '[::ffff:127.0.0.1]', '0.0.0.0', '169.254.169.254', '224.0.0.1', ...(await loopbackNames()), ...ownAddresses()];
    t.true(hosts.includes('localhost'));
    t.true(ownAddresses().length > 0, 'this host has a non-loopback address to attack');
    for (const host of hosts) {
      const r = await tenantTrigger(svc, 'probe', `amqp://u:p@${host}:5672/v`);
      t.is(r.status, 400, `${host}: ${JSON.stringify(r.body)}`);
      t.is(r.body.field, 'config.broker_url', host);
      t.regex(r.body.message, /not allowed/, host);
    }
    t.deepEqual((await svc.api('GET', '/v1/triggers')).body.items, [], 'nothing was stored');

    // An allowed broker (TEST-NET-3, never loopback) cannot be moved onto loopback by an update.
    t.is((await tenantTrigger(svc, 'remote', 'amqp://u:p@203.0.113.7:5672/v')).status, 201);
    const moved = await svc.api('PATCH', '/v1/triggers/remote', { config: { broker_url: 'amqp://u:p@localhost/v', queue: 'jobs' } });
    t.is(moved.status, 400);
    t.is(moved.body.field, 'config.broker_url');
  } finally {
    await svc.close();
  }
});

test('the operator deny-list refuses addresses, ranges and names', async (t) => {
  const svc = await startTestService({ env: { FNSTACK_TRIGGER_BROKER_DENY: '203.0.113.0/24,mq.internal.example' } });
  try {
    await echoFunction(svc, 'echo');
    for (const url of ['amqp://u:p@203.0.113.7/v', 'amqp://u:p@mq.internal.example/v', 'amqp://u:p@MQ.internal.example./v']) {
      const r = await tenantTrigger(svc, 'denied', url);
      t.is(r.status, 400, url);
      t.is(r.body.field, 'config.broker_url');
    }
    t.is((await tenantTrigger(svc, 'fine', 'amqp://u:p@198.51.100.7/v')).status, 201);
  } finally {
    await svc.close();
  }
});

test('the connection goes to the address that was checked, not to the name (no DNS rebinding in between)', async (t) => {
  const policy = new BrokerPolicy({ allow: ['127.0.0.1:5672'], deny: [], serviceBrokers: [] });
  t.deepEqual(await policy.target('amqps://u:p@localhost:5672/v?heartbeat=3'), { url: 'amqps://u:p@127.0.0.1:5672/v?heartbeat=3', servername: 'localhost' });
  t.deepEqual(await policy.target('amqp://u:p@127.0.0.1/v'), { url: 'amqp://u:p@127.0.0.1:5672/v' });
  await t.throwsAsync(policy.target('amqp://u:p@localhost:5673/v'), { instanceOf: BrokerRefused }, 'only the listed port');
});

test('a malformed allow- or deny-list entry stops the start, naming the key', (t) => {
  const env = { FNSTACK_DATA_DIR: join(tmpdir(), 'fnstack-sec-config-unused'), FNSTACK_SECRETS_KEY: TEST_SECRETS_KEY };
  t.throws(() => loadConfig({ ...env, FNSTACK_TRIGGER_BROKER_ALLOW: 'localhost:5672' }), { message: /trigger_broker_allow/ });
  t.throws(() => loadConfig({ ...env, FNSTACK_TRIGGER_BROKER_ALLOW: '127.0.0.1' }), { message: /trigger_broker_allow/ });
  t.throws(() => loadConfig({ ...env, FNSTACK_TRIGGER_BROKER_DENY: '10.0.0.0/33' }), { message: /trigger_broker_deny/ });
  t.deepEqual(loadConfig({ ...env, FNSTACK_TRIGGER_BROKER_ALLOW: '127.0.0.1:5672, [::1]:5671' }).triggers.brokerAllow, ['127.0.0.1:5672', '::1:5671']);
});

test('the service’s own broker is refused, and its vhost stays refused on an allow-listed endpoint', async (t) => {
  if (!requireService(t, 'RabbitMQ', await rabbitAvailable())) return;
  const work = await createTestVhost();
  const other = await createTestVhost();
  let plain: TestService | null = null;
  let allowing: TestService | null = null;
  try {
    plain = await startTestService({ env: { FNSTACK_QUEUE_URL: work.url } });
    await echoFunction(plain, 'echo');
    for (const url of [work.url, other.url]) {
      const r = await tenantTrigger(plain, 'own', url, 'fnstack.work');
      t.is(r.status, 400, `${url}: ${JSON.stringify(r.body)}`);
      t.is(r.body.field, 'config.broker_url');
    }

    allowing = await startTestService({ env: { FNSTACK_QUEUE_URL: work.url, FNSTACK_TRIGGER_BROKER_ALLOW: RABBIT_ENDPOINT } });
    await echoFunction(allowing, 'echo');
    const sameVhostOtherSpelling = new URL(work.url);
    sameVhostOtherSpelling.hostname = '127.1';
    for (const url of [work.url, sameVhostOtherSpelling.toString()]) {
      const r = await tenantTrigger(allowing, 'own', url, 'fnstack.work');
      t.is(r.status, 400, `${url}: ${JSON.stringify(r.body)}`);
      t.is(r.body.field, 'config.broker_url');
    }
    t.is((await tenantTrigger(allowing, 'tenant-vhost', other.url)).status, 201, 'another vhost on the allow-listed broker is fine');
  } finally {
    await plain?.close();
    await allowing?.close();
    await work.drop();
    await other.drop();
  }
});

test('a stored trigger on a refused address never connects: the address is checked again at connect', async (t) => {
  if (!requireService(t, 'RabbitMQ', await rabbitAvailable())) return;
  const vhost = await createTestVhost();
  const conn = await amqplib.connect(vhost.url);
  // Made through an API process whose operator allowed the local broker (an API process runs no consumers) …
  const api = await startTestService({ role: 'api', env: { FNSTACK_TRIGGER_BROKER_ALLOW: RABBIT_ENDPOINT, FNSTACK_SECRETS_KEY: TEST_SECRETS_KEY } });
  let worker: RunningService | null = null;
  const workerDir = await mkdtemp(join(tmpdir(), 'fnstack-sec-worker-'));
  try {
    const ch = await conn.createChannel();
    await ch.assertQueue('jobs');
    await echoFunction(api, 'echo');
    t.is((await tenantTrigger(api, 'jobs', vhost.url)).status, 201);
    // … and consumed by a worker whose operator does not allow it.
    worker = await startService({ role: 'worker', port: 0, log: false, env: { FNSTACK_DATA_DIR: workerDir, FNSTACK_DATABASE_URL: api.databaseUrl, FNSTACK_SECRETS_KEY: TEST_SECRETS_KEY } });
    ch.sendToQueue('jobs', Buffer.from(JSON.stringify({ n: 1 })));
    t.regex(await lastErrorOf(api, 'jobs'), /not allowed/);
    await sleep(1500);
    const q = await ch.checkQueue('jobs');
    t.is(q.consumerCount, 0);
    t.is(q.messageCount, 1);
    t.is((await executionsOf(api, 'echo')).length, 0);
  } finally {
    await worker?.close();
    await api.close();
    await rm(workerDir, { recursive: true, force: true });
    await conn.close().catch(() => undefined);
    await vhost.drop();
  }
});

test('last_error is the same for a closed port, an open non-AMQP port and a TLS failure', async (t) => {
  const web = http.createServer((_req, res) => res.writeHead(400).end('not amqp'));
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  const openPort = (web.address() as net.AddressInfo).port;
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const svc = await startTestService({ env: { FNSTACK_TRIGGER_BROKER_ALLOW: `127.0.0.1:${openPort},127.0.0.1:${closedPort}` } });
  try {
    await echoFunction(svc, 'echo');
    t.is((await tenantTrigger(svc, 'closed', `amqp://u:p@127.0.0.1:${closedPort}/v`)).status, 201);
    t.is((await tenantTrigger(svc, 'http', `amqp://u:p@127.0.0.1:${openPort}/v`)).status, 201);
    t.is((await tenantTrigger(svc, 'tls', `amqps://u:p@127.0.0.1:${openPort}/v`)).status, 201);
    const errors = { closed: await lastErrorOf(svc, 'closed'), http: await lastErrorOf(svc, 'http'), tls: await lastErrorOf(svc, 'tls') };
    t.deepEqual(errors, { closed: NEUTRAL, http: NEUTRAL, tls: NEUTRAL });
  } finally {
    await svc.close();
    web.closeAllConnections();
    await new Promise((r) => web.close(r));
  }
});

test('deleting a trigger stops its consumer at once: a message sent right after stays on the tenant’s queue', async (t) => {
  if (!requireService(t, 'RabbitMQ', await rabbitAvailable())) return;
  const vhost: TestVhost = await createTestVhost();
  const conn = await amqplib.connect(vhost.url);
  const svc = await startTestService({ env: { FNSTACK_TRIGGER_BROKER_ALLOW: RABBIT_ENDPOINT } });
  try {
    const ch = await conn.createChannel();
    await ch.assertQueue('jobs');
    await echoFunction(svc, 'echo');
    t.is((await tenantTrigger(svc, 'jobs', vhost.url)).status, 201);
    ch.sendToQueue('jobs', Buffer.from(JSON.stringify({ n: 1 })));
    await waitForExecutions(svc, 'echo', 1);
    t.is((await svc.api('DELETE', '/v1/triggers/jobs')).status, 204);
    ch.sendToQueue('jobs', Buffer.from(JSON.stringify({ n: 2 })));
    await sleep(4000);
    const q = await ch.checkQueue('jobs');
    t.is(q.messageCount, 1, 'the message sent after the delete was not taken');
    t.is(q.consumerCount, 0, 'no consumer left');
    t.is((await executionsOf(svc, 'echo')).length, 1);
  } finally {
    await svc.close();
    await conn.close().catch(() => undefined);
    await vhost.drop();
  }
});
