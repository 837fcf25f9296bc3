/**
 * The durable pipeline under faults, against the real MariaDB and RabbitMQ, with real
 * service processes: nothing lost, nothing recorded twice.
 */
import test, { type ExecutionContext } from 'ava';
import amqp from 'amqplib';
import { Cluster, type Member } from '../_helpers/cluster.js';
import { createTestDatabase, mariadbAvailable, MARIADB_HOST, MARIADB_PORT } from '../_helpers/mariadb.js';
import { createTestVhost, rabbitAvailable, rabbitctl } from '../_helpers/rabbitmq.js';
import { requireService } from '../_helpers/requirements.js';
import { TcpProxy } from '../_helpers/tcp-proxy.js';
import { RUNTIME } from '../_helpers/service.js';
import { pollUntil } from '../_helpers/poll.js';

const FINAL = ['succeeded', 'failed', 'timed_out'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Env {
  cluster: Cluster;
  api: Member;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  queueUrl: string;
  vhost: string;
  proxy: TcpProxy | null;
}

async function withCluster(t: ExecutionContext, opts: { proxyDb?: boolean; env?: Record<string, string> }, body: (env: Env) => Promise<void>) {
  if (!requireService(t, 'MariaDB', await mariadbAvailable())) return;
  if (!requireService(t, 'RabbitMQ', await rabbitAvailable())) return;
  const db = await createTestDatabase();
  const vhost = await createTestVhost();
  let proxy: TcpProxy | null = null;
  let databaseUrl = db.url;
  if (opts.proxyDb) {
    proxy = new TcpProxy(MARIADB_HOST, MARIADB_PORT);
    const port = await proxy.start();
    databaseUrl = db.url.replace(`:${MARIADB_PORT}/`, `:${port}/`);
  }
  // Short leases so that a dead worker's executions are taken over within seconds.
  const cluster = new Cluster({ databaseUrl, queueUrl: vhost.url, env: { FNSTACK_LEASE_MS: '3000', FNSTACK_WORKER_CONCURRENCY: '4', ...opts.env } });
  try {
    const api = await cluster.start('api');
    const key = await cluster.apiKey(api);
    const call: Env['call'] = async (method, path, payload) => {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` } };
      if (payload instanceof FormData) init.body = payload;
      else if (payload !== undefined) {
        init.body = JSON.stringify(payload);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const r = await fetch(api.url + path, init);
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    };
    await body({ cluster, api, call, queueUrl: vhost.url, vhost: vhost.name, proxy });
  } catch (err) {
    for (const m of cluster.members) t.log(`--- ${m.role} output (tail) ---\n${m.output().slice(-3000)}`);
    throw err;
  } finally {
    await proxy?.restore().catch(() => undefined);
    await cluster.stopAll();
    await proxy?.stop();
    await vhost.drop();
    await db.drop();
  }
}

async function createSleeper(env: Env, name: string, ms: number) {
  const form = new FormData();
  form.append('metadata', JSON.stringify({ name, runtime: RUNTIME, handler: 'index.handler', timeout_s: 60 }));
  form.append('code', new Blob([`exports.handler = async (e) => { await new Promise((r) => setTimeout(r, ${ms})); return { n: e.data.n, pid: process.pid }; };`]), 'index.js');
  const r = await env.call('POST', '/v1/functions', form);
  if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
}

async function invokeMany(env: Env, name: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await env.call('POST', `/v1/functions/${name}/invoke?mode=async`, { n: i });
    if (r.status !== 202) throw new Error(`invoke ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    ids.push(r.body.execution_id);
  }
  return ids;
}

async function allExecutions(env: Env, fn: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const r = await env.call('GET', `/v1/executions?function=${fn}&limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...r.body.items);
    cursor = r.body.next_cursor;
  } while (cursor);
  return items;
}

async function waitAllFinal(env: Env, fn: string, n: number, timeoutMs: number): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  let items: any[] = [];
  while (Date.now() < deadline) {
    items = await allExecutions(env, fn).catch(() => items);
    if (items.length >= n && items.every((e) => FINAL.includes(e.status))) return items;
    await sleep(500);
  }
  throw new Error(`not all final after ${timeoutMs} ms: ${JSON.stringify(items.map((e) => e.status))}`);
}

test.serial('(a) kill -9 of a worker with executions in flight: all complete elsewhere, each recorded once', async (t) => {
  await withCluster(t, {}, async (env) => {
    const w1 = await env.cluster.start('worker');
    await createSleeper(env, 'sleeper', 1500);
    const ids = await invokeMany(env, 'sleeper', 16);
    // Wait until w1 (the only worker so far) is running some, then start w2 and kill w1.
    await pollUntil('two running on w1', async () => ((await allExecutions(env, 'sleeper')).filter((e) => e.status === 'running').length >= 2 ? true : undefined), { everyMs: 100 });
    const w2 = await env.cluster.start('worker');
    w1.kill();
    t.is(await w1.exited, null, 'w1 died by signal');
    const done = await waitAllFinal(env, 'sleeper', 16, 90_000);
    t.is(done.length, 16, 'one execution per event: nothing lost, nothing twice');
    t.deepEqual(done.map((e) => e.id).sort(), [...ids].sort());
    t.true(done.every((e) => e.status === 'succeeded'), JSON.stringify(done.map((e) => [e.status, e.error])));
    // Lists carry no results; these are small enough for the preview to hold them whole.
    t.deepEqual(done.map((e) => JSON.parse(e.result_preview).n).sort((a, b) => a - b), [...Array(16).keys()]);
    const retaken = done.filter((e) => e.attempts >= 2);
    t.true(retaken.length >= 1, 'some executions were taken over from the killed worker');
    t.log(`${retaken.length} of 16 executions were taken over after the kill`);
    void w2;
  });
});

test.serial('(b) rabbitmqctl close_all_connections mid-stream: nothing lost', async (t) => {
  await withCluster(t, {}, async (env) => {
    await env.cluster.start('worker');
    await createSleeper(env, 'quick', 10);
    const publishing = invokeMany(env, 'quick', 60);
    await sleep(300);
    await rabbitctl('close_all_connections', '--vhost', env.vhost, 'fnstack fault test');
    await sleep(500);
    await rabbitctl('close_all_connections', '--vhost', env.vhost, 'fnstack fault test, again');
    const ids = await publishing;
    const done = await waitAllFinal(env, 'quick', 60, 90_000);
    t.is(done.length, 60);
    t.deepEqual(done.map((e) => e.id).sort(), [...ids].sort());
    t.true(done.every((e) => e.status === 'succeeded'));
  });
});

test.serial('(c) MariaDB unreachable for several seconds: workers back off and resume, nothing lost', async (t) => {
  await withCluster(t, { proxyDb: true }, async (env) => {
    await env.cluster.start('worker');
    await createSleeper(env, 'steady', 200);
    const ids = await invokeMany(env, 'steady', 20);
    await sleep(400);
    await env.proxy!.cut();
    await sleep(6000);
    await env.proxy!.restore();
    const done = await waitAllFinal(env, 'steady', 20, 120_000);
    t.is(done.length, 20);
    t.deepEqual(done.map((e) => e.id).sort(), [...ids].sort());
    t.true(done.every((e) => e.status === 'succeeded'), JSON.stringify(done.map((e) => [e.status, e.error?.message])));
    const dead = await env.call('GET', '/v1/dead-letters');
    t.is(dead.body.items.length, 0, 'an outage is not a reason to give up on work');
  });
});

test.serial('(d) a poison message ends in the dead-letter queue with its reason', async (t) => {
  await withCluster(t, {}, async (env) => {
    await env.cluster.start('worker');
    const me = await env.call('GET', '/v1/dead-letters');
    t.is(me.status, 200);
    const conn = await amqp.connect(env.queueUrl);
    const ch = await conn.createConfirmChannel();
    // Projects are mirrored by id; the admin project of the built-in mode is `admin`.
    ch.sendToQueue('fnstack.work', Buffer.from(JSON.stringify({ kind: 'explode', projectId: 'admin' })), { persistent: true });
    ch.sendToQueue('fnstack.work', Buffer.from('this is not JSON'), { persistent: true });
    await ch.waitForConfirms();
    let items: any[] = [];
    for (let i = 0; i < 60 && items.length < 1; i++) {
      await sleep(250);
      items = (await env.call('GET', '/v1/dead-letters')).body.items;
    }
    t.is(items.length, 1, 'the project sees its own poison message');
    t.regex(items[0].reason, /not a work message/);
    t.is(items[0].message.kind, 'explode');
    // Both are on the broker's dead-letter queue, with the reason in the headers.
    const reasons: string[] = [];
    for (let i = 0; i < 40 && reasons.length < 2; i++) {
      const m = await ch.get('fnstack.dead', { noAck: true });
      if (m) reasons.push(String(m.properties.headers?.['x-fnstack-reason']));
      else await sleep(250);
    }
    t.is(reasons.length, 2, JSON.stringify(reasons));
    t.true(reasons.every((r) => /not a work message|not JSON|parse/i.test(r)), JSON.stringify(reasons));
    await conn.close();
  });
});
