/**
 * A back-end outage is a 503 `not_ready` with Retry-After that a client can retry, answered
 * quickly — never a 500, never a wait for the pool's acquire timeout. Real MariaDB and
 * RabbitMQ behind TCP proxies the tests cut, and a real API process.
 */
import test, { type ExecutionContext } from 'ava';
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { Cluster, type Member } from '../_helpers/cluster.js';
import { createTestDatabase, mariadbAvailable, MARIADB_HOST, MARIADB_PORT } from '../_helpers/mariadb.js';
import { RABBIT, createTestVhost, rabbitAvailable } from '../_helpers/rabbitmq.js';
import { requireService } from '../_helpers/requirements.js';
import { TcpProxy } from '../_helpers/tcp-proxy.js';
import { RUNTIME } from '../_helpers/service.js';

/** Long on purpose: a request answered well before it did not queue behind the pool. */
const ACQUIRE_TIMEOUT_MS = 10_000;
const OUTAGE_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  body: any;
  retryAfter: string | null;
  ms: number;
}

interface Env {
  api: Member;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  proxy: TcpProxy;
  /** Work messages on the broker (no worker runs, so every accepted one is still there). */
  queued(): Promise<number>;
}

async function withApi(t: ExecutionContext, cut: 'database' | 'queue', body: (env: Env) => Promise<void>) {
  if (!requireService(t, 'MariaDB', await mariadbAvailable())) return;
  if (!requireService(t, 'RabbitMQ', await rabbitAvailable())) return;
  const db = await createTestDatabase();
  const vhost = await createTestVhost();
  const rabbitPort = Number(RABBIT.port || 5672);
  const proxy = cut === 'database' ? new TcpProxy(MARIADB_HOST, MARIADB_PORT) : new TcpProxy(RABBIT.hostname, rabbitPort);
  const port = await proxy.start();
  const databaseUrl = cut === 'database' ? db.url.replace(`:${MARIADB_PORT}/`, `:${port}/`) : db.url;
  const queueUrl = cut === 'queue' ? vhost.url.replace(`:${rabbitPort}/`, `:${port}/`) : vhost.url;
  const cluster = new Cluster({ databaseUrl, queueUrl, env: { FNSTACK_DATABASE_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS) } });
  try {
    const api = await cluster.start('api');
    const key = await cluster.apiKey(api);
    const call: Env['call'] = async (method, path, payload, headers = {}) => {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${key}`, ...headers } };
      if (payload instanceof FormData) init.body = payload;
      else if (payload !== undefined) {
        init.body = typeof payload === 'string' ? payload : JSON.stringify(payload);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const started = Date.now();
      const r = await fetch(api.url + path, init);
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null, retryAfter: r.headers.get('retry-after'), ms: Date.now() - started };
    };
    const queued = async () => {
      const conn = await amqp.connect(vhost.url);
      try {
        return (await (await conn.createChannel()).checkQueue('fnstack.work')).messageCount;
      } finally {
        await conn.close();
      }
    };
    await body({ api, call, proxy, queued });
  } catch (err) {
    for (const m of cluster.members) t.log(`--- ${m.role} output (tail) ---\n${m.output().slice(-4000)}`);
    throw err;
  } finally {
    await proxy.restore().catch(() => undefined);
    await cluster.stopAll();
    await proxy.stop();
    await vhost.drop();
    await db.drop();
  }
}

const publishEvent = async (env: Env) =>
  counted(
    'events',
    await env.call('POST', '/v1/events', { specversion: '1.0', id: randomUUID(), source: 'outage-test', type: 'com.example.outage' }, { 'content-type': 'application/cloudevents+json' }),
  );
/** Requests answered 202: each, and only each, must have put its work on the queue. */
let accepted = { events: 0, invocations: 0 };
const counted = (kind: keyof typeof accepted, a: Answer) => {
  if (a.status === 202) accepted[kind]++;
  return a;
};
const invoke = async (env: Env) => counted('invocations', await env.call('POST', '/v1/functions/echo/invoke?mode=async', { n: 1 }));
const listFunctions = (env: Env) => env.call('GET', '/v1/functions');

const ROUTES: Array<[string, (env: Env) => Promise<Answer>, number]> = [
  ['POST /v1/events', publishEvent, 202],
  ['POST /v1/functions/echo/invoke', invoke, 202],
  ['GET /v1/functions', listFunctions, 200],
];

async function createEcho(env: Env) {
  const form = new FormData();
  form.append('metadata', JSON.stringify({ name: 'echo', runtime: RUNTIME, handler: 'index.handler' }));
  form.append('code', new Blob(['exports.handler = async (e) => e.data;']), 'index.js');
  const r = await env.call('POST', '/v1/functions', form);
  if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Calls `request` until `done` holds for its answer, up to `capMs`. */
async function until(request: () => Promise<Answer>, done: (a: Answer) => boolean, capMs: number): Promise<Answer> {
  const deadline = Date.now() + capMs;
  for (;;) {
    const a = await request();
    if (done(a) || Date.now() > deadline) return a;
    await sleep(100);
  }
}

function assertNotReady(t: ExecutionContext, what: string, a: Answer) {
  t.is(a.status, 503, `${what}: ${JSON.stringify(a.body)}`);
  t.is(a.body?.code, 'not_ready', what);
  t.regex(a.retryAfter ?? '', /^\d+$/, `${what}: Retry-After`);
}

test.serial('a 20 s database cut: events, invoke and reads answer 503 + Retry-After fast, then 2xx; /ready agrees', async (t) => {
  accepted = { events: 0, invocations: 0 };
  await withApi(t, 'database', async (env) => {
    await createEcho(env);
    for (const [what, request, ok] of ROUTES) t.is((await request(env)).status, ok, `${what} before the cut`);

    await env.proxy.cut();
    const cutAt = Date.now();
    // The first request after the cut finds out: it must not end in a 500.
    const first = await publishEvent(env);
    assertNotReady(t, 'first request after the cut', first);
    const firstMs = Date.now() - cutAt;

    const ready = await until(() => env.call('GET', '/ready'), (a) => a.status === 503 && a.body?.checks?.store === 'unreachable', 30_000);
    t.is(ready.status, 503);
    t.is(ready.body.checks.store, 'unreachable');

    // Once the outage is known, nothing queues behind the pool.
    for (const [what, request] of ROUTES) {
      const a = await request(env);
      assertNotReady(t, `${what} during the outage`, a);
      t.true(a.ms < ACQUIRE_TIMEOUT_MS, `${what} answered in ${a.ms} ms, not after the pool's acquire timeout`);
    }
    const during = await invoke(env);
    t.log(`time to 503: first request after the cut ${firstMs} ms; once known: ${during.ms} ms`);

    await sleep(Math.max(0, cutAt + OUTAGE_MS - Date.now()));
    t.is((await publishEvent(env)).status, 503, 'still 503 at the end of the cut');
    await env.proxy.restore();
    const restoredAt = Date.now();
    const back = await until(() => publishEvent(env), (a) => a.status === 202, 60_000);
    t.is(back.status, 202, JSON.stringify(back.body));
    t.log(`time to the first 2xx after the database returned: ${Date.now() - restoredAt} ms`);

    for (const [what, request, ok] of ROUTES) t.is((await request(env)).status, ok, `${what} after the outage`);
    // No worker runs here (the queue must keep every accepted message), so /ready stays 503
    // for that reason alone: the store and the queue are back.
    const readyAfter = await env.call('GET', '/ready');
    t.deepEqual({ store: readyAfter.body.checks.store, queue: readyAfter.body.checks.queue }, { store: 'ok', queue: 'ok' });
    t.regex(readyAfter.body.checks.workers, /^none/);
    // A 503 accepted nothing: only the invocations answered 202 became executions, and only
    // the requests answered 202 put work on the queue.
    const executions = await env.call('GET', '/v1/executions?function=echo&limit=500');
    t.is(executions.body.items.length, accepted.invocations);
    t.is(await env.queued(), accepted.events + accepted.invocations);

    const log = env.api.output();
    t.is(log.split('\n').filter((l) => l.includes('store unreachable')).length, 1, 'one warning for the outage');
    t.false(log.includes('unexpected error'), 'no 500 in the log');
  });
});

test.serial('RabbitMQ unreachable while publishing: 503 + Retry-After at once, not a hang; 202 once it is back', async (t) => {
  accepted = { events: 0, invocations: 0 };
  await withApi(t, 'queue', async (env) => {
    await createEcho(env);
    t.is((await publishEvent(env)).status, 202);
    await env.proxy.cut();
    const cutAt = Date.now();
    // Sent before the service knows: it waits in the publisher's buffer until a reconnect fails.
    const inFlight = await publishEvent(env);
    assertNotReady(t, 'a publish in flight when the broker went away', inFlight);
    t.true(inFlight.ms < 30_000, `answered in ${inFlight.ms} ms, before the 30 s publish timeout`);
    // The queue knows it is down once a reconnect has failed (1 s after the drop by default).
    while (!env.api.output().includes('queue unreachable') && Date.now() - cutAt < 60_000) await sleep(100);
    const a = await publishEvent(env);
    assertNotReady(t, 'POST /v1/events with the broker away', a);
    t.true(a.ms < 30_000, `answered in ${a.ms} ms, before the 30 s publish timeout`);
    t.log(`queue cut: the publish in flight got 503 after ${inFlight.ms} ms; once known, 503 in ${a.ms} ms`);
    assertNotReady(t, 'invoke with the broker away', await invoke(env));

    await env.proxy.restore();
    const restoredAt = Date.now();
    const back = await until(() => publishEvent(env), (x) => x.status === 202, 60_000);
    t.is(back.status, 202, JSON.stringify(back.body));
    t.log(`time to the first 202 after the broker returned: ${Date.now() - restoredAt} ms`);
    t.is((await invoke(env)).status, 202);
    t.is(await env.queued(), accepted.events + accepted.invocations, 'what got 503 never reached the queue, even after the reconnect');
    // The invocation refused with 503 left no execution behind for the stall sweeper to run.
    t.is((await env.call('GET', '/v1/executions?function=echo&limit=500')).body.items.length, accepted.invocations);
    t.false(env.api.output().includes('unexpected error'));
  });
});
