/**
 * Destinations: a function's outcomes as CloudEvents — into the project's events (running
 * another function; loops stop at the depth limit) or POSTed to a URL (the address guard, the
 * operator's allow-list, failures recorded).
 */
import test from 'ava';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestService, createFunction, type TestService } from '../_helpers/service.js';
import { pollUntil } from '../_helpers/poll.js';
import { Store } from '../../service/store/store.js';
import amqplib from 'amqplib';
import { createVhost, rabbitAvailable } from '../triggers/_helpers.js';
import { requireService } from '../_helpers/requirements.js';

interface Received {
  path: string;
  contentType: string | undefined;
  body: Record<string, any>;
}

let svc: TestService;
let store: Store;
let allowed: Server;
let other: Server;
const received: Received[] = [];

const listen = async (handler: (req: IncomingMessage, body: string) => number): Promise<Server> => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      res.statusCode = handler(req, body);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
};
const portOf = (s: Server) => (s.address() as AddressInfo).port;

test.before(async () => {
  allowed = await listen((req, body) => {
    received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(body) as Record<string, any> });
    return req.url === '/broken' ? 500 : 204;
  });
  other = await listen(() => 204);
  svc = await startTestService({ env: { FNSTACK_DESTINATION_URL_ALLOW: `127.0.0.1:${portOf(allowed)}`, FNSTACK_DESTINATION_MAX_DEPTH: '3', FNSTACK_TRIGGER_BROKER_ALLOW: '127.0.0.1:5672' } });
  store = await Store.open(svc.databaseUrl, { migrate: false });
});
test.after.always(async () => {
  await svc?.close();
  await store?.close();
  allowed?.close();
  other?.close();
});

const put = (fn: string, body: unknown) => svc.api('PUT', `/v1/functions/${fn}/destinations`, body);
const destinationsOf = async (fn: string) => (await svc.api('GET', `/v1/functions/${fn}/destinations`)).body;

test('destinations are validated, each bad field a 400 naming it', async (t) => {
  await createFunction(svc, 'plain', 'exports.handler = () => 1;');
  const cases: Array<[unknown, string]> = [
    [{ on_done: { kind: 'events' } }, 'on_done'],
    [{ on_success: { kind: 'sqs' } }, 'on_success.kind'],
    [{ on_success: { kind: 'events', routing_key: 'a..b' } }, 'on_success.routing_key'],
    [{ on_success: { kind: 'events', url: 'https://x.example' } }, 'on_success.url'],
    [{ on_failure: { kind: 'url', url: 'ftp://x.example/' } }, 'on_failure.url'],
    [{ on_failure: { kind: 'url', url: 'https://u:p@x.example/' } }, 'on_failure.url'],
    [{ on_failure: { kind: 'url', url: 'http://169.254.169.254/latest' } }, 'on_failure.url'],
    [{ on_failure: { kind: 'url', url: 'http://10.1.2.3/hook' } }, 'on_failure.url'],
    [{ on_failure: { kind: 'url', url: `http://127.0.0.1:${portOf(other)}/` } }, 'on_failure.url'],
  ];
  for (const [body, field] of cases) {
    const r = await put('plain', body);
    t.is(r.status, 400, JSON.stringify(body));
    t.is(r.body.field, field, JSON.stringify(body));
  }
  t.is((await put('nope', {})).status, 404);
  const ok = await put('plain', { on_failure: { kind: 'url', url: `http://127.0.0.1:${portOf(allowed)}/hook` } });
  t.is(ok.status, 200);
  t.like(ok.body, { function: 'plain', on_success: null, on_failure: { kind: 'url' }, last_error: null });
  t.is((await svc.api('DELETE', '/v1/functions/plain/destinations')).status, 204);
  t.is((await destinationsOf('plain')).on_failure, null);
});

test('a success sent to the events runs a second function; its event is the outcome', async (t) => {
  await createFunction(svc, 'first', 'exports.handler = async () => ({ made: 42 });');
  await createFunction(svc, 'second', 'exports.handler = async (event) => ({ event });');
  t.is((await put('first', { on_success: { kind: 'events' } })).status, 200);
  t.is((await svc.api('POST', '/v1/triggers', { name: 'after-first', function: 'second', kind: 'event', config: { pattern: 'org.fnstack.execution.*' }, filter: { source: 'fnstack:/functions/first' } })).status, 201);

  const first = await svc.api('POST', '/v1/functions/first/invoke', {});
  t.is(first.body.status, 'succeeded');
  const run = await pollUntil('the second function to run', async () => {
    const items = (await svc.api('GET', '/v1/executions?function=second')).body.items as Array<{ id: string; status: string }>;
    return items.find((e) => ['succeeded', 'failed'].includes(e.status));
  });
  const detail = (await svc.api('GET', `/v1/executions/${run.id}`)).body;
  t.is(detail.status, 'succeeded');
  t.like(detail.result.event, {
    type: 'org.fnstack.execution.succeeded',
    source: 'fnstack:/functions/first',
    subject: first.body.id,
    id: `${first.body.id}.succeeded`,
    fnstackdepth: 1,
    data: { id: first.body.id, function: 'first', status: 'succeeded', result: { made: 42 } },
  });
  const d = await pollUntil('the delivery to be recorded', async () => ((await destinationsOf('first')).last_delivered_at ? destinationsOf('first') : undefined));
  t.is(d.last_error, null);
});

test('a function whose outcome runs itself stops at the chain depth limit, and says so', async (t) => {
  await createFunction(svc, 'loop', 'exports.handler = async () => "again";');
  t.is((await put('loop', { on_success: { kind: 'events', routing_key: 'loop.done' } })).status, 200);
  t.is((await svc.api('POST', '/v1/triggers', { name: 'loop-self', function: 'loop', kind: 'amqp', config: { pattern: 'loop.done' } })).status, 201);
  await svc.api('POST', '/v1/functions/loop/invoke', {});
  const d = await pollUntil('the depth limit to be recorded', async () => {
    const x = await destinationsOf('loop');
    return x.last_error ? x : undefined;
  });
  t.regex(d.last_error, /4 deep, over the limit of 3/);
  const runs = (await svc.api('GET', '/v1/executions?function=loop')).body.items as unknown[];
  t.is(runs.length, 4, 'the invoke and three outcome generations');
});

test.serial('a failure is POSTed to an allow-listed loopback URL in structured mode; a 500 is retried and recorded', async (t) => {
  await createFunction(svc, 'boom', 'exports.handler = async () => { throw new Error("kaput"); };');
  t.is((await put('boom', { on_failure: { kind: 'url', url: `http://127.0.0.1:${portOf(allowed)}/hook` } })).status, 200);
  const inv = await svc.api('POST', '/v1/functions/boom/invoke', {});
  t.is(inv.body.status, 'failed');
  const got = await pollUntil('the outcome at the URL', async () => received.find((r) => r.body.subject === inv.body.id));
  t.is(got.path, '/hook');
  t.regex(got.contentType ?? '', /^application\/cloudevents\+json/);
  t.like(got.body, { specversion: '1.0', type: 'org.fnstack.execution.failed', source: 'fnstack:/functions/boom', data: { id: inv.body.id, status: 'failed', error: { message: 'Error: kaput' } } });
  await pollUntil('the delivery recorded', async () => ((await destinationsOf('boom')).last_delivered_at ? true : undefined));

  t.is((await put('boom', { on_failure: { kind: 'url', url: `http://127.0.0.1:${portOf(allowed)}/broken` } })).status, 200);
  const again = await svc.api('POST', '/v1/functions/boom/invoke', {});
  const d = await pollUntil('the failed delivery recorded', async () => {
    const x = await destinationsOf('boom');
    return x.last_error ? x : undefined;
  });
  t.regex(d.last_error, new RegExp(`execution ${again.body.id}: the URL answered HTTP 500 \\(after 3 attempts\\)`));
  t.is(received.filter((r) => r.body.subject === again.body.id).length, 3);
});

test.serial('destinations set while an execution runs apply from the next one', async (t) => {
  await createFunction(svc, 'slowpoke', 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.data.waitMs)); return { ok: true }; };');
  const url = `http://127.0.0.1:${portOf(allowed)}/late`;
  const started = await svc.api('POST', '/v1/functions/slowpoke/invoke?mode=async', { waitMs: 1500 });
  t.is(started.status, 202);
  const id = started.body.execution_id as string;
  const running = await pollUntil('the execution running', async () => {
    const e = (await svc.api('GET', `/v1/executions/${id}`)).body;
    return e.status === 'queued' || e.status === 'provisioning' ? undefined : e;
  });
  t.is(running.status, 'running', JSON.stringify(running));
  t.is((await put('slowpoke', { on_success: { kind: 'url', url } })).status, 200);
  await pollUntil('the execution finished', async () => ((await svc.api('GET', `/v1/executions/${id}`)).body.status === 'succeeded' ? true : undefined));
  const next = await svc.api('POST', '/v1/functions/slowpoke/invoke', { waitMs: 0 });
  t.is(next.body.status, 'succeeded');
  await pollUntil('the next outcome at the URL', async () => received.find((r) => r.body.subject === next.body.id));
  // Deliveries run in the order their executions finished: the earlier one would be here by now.
  t.false(received.some((r) => r.body.subject === id), 'the function had no destinations when that execution started');
});

test.serial('the guard refuses at delivery a URL that is not allow-listed (set when it passed, say)', async (t) => {
  await createFunction(svc, 'guarded', 'exports.handler = async () => { throw new Error("no"); };');
  const projectId = (await store.accounts.adminProjectId())!;
  const fn = (await store.forProject(projectId).functions.get('guarded'))!;
  let hits = 0;
  other.on('request', () => hits++);
  // As if the name had resolved elsewhere when it was set: the row is written as the API would.
  await store.forProject(projectId).destinations.put(fn.id, { on_failure: { kind: 'url', url: `http://127.0.0.1:${portOf(other)}/` } });
  const inv = await svc.api('POST', '/v1/functions/guarded/invoke', {});
  t.is(inv.body.status, 'failed');
  const d = await pollUntil('the refusal recorded', async () => {
    const x = await destinationsOf('guarded');
    return x.last_error ? x : undefined;
  });
  t.regex(d.last_error, /refused: the URL’s address is loopback/);
  t.is(d.last_delivered_at, null);
  t.is(hits, 0);
});

test('a failure published to the tenant’s own broker; its credentials are never shown', async (t) => {
  if (!requireService(t, 'RabbitMQ on 127.0.0.1:5672', await rabbitAvailable())) return;
  const vhost = await createVhost('fnstack-dest');
  const conn = await amqplib.connect(vhost.url);
  try {
    const ch = await conn.createChannel();
    await ch.assertQueue('outcomes');
    await ch.bindQueue('outcomes', 'amq.topic', 'fn.failed');
    await createFunction(svc, 'brokered', 'exports.handler = async () => { throw new Error("down"); };');
    const refused = await put('brokered', { on_failure: { kind: 'broker', broker_url: 'amqp://guest:guest@127.0.0.2:5672/', exchange: 'amq.topic', routing_key: 'fn.failed' } });
    t.is(refused.status, 400);
    t.is(refused.body.field, 'on_failure.broker_url');
    t.is((await put('brokered', { on_failure: { kind: 'broker', broker_url: vhost.url, exchange: 'amq.topic' } })).body.field, 'on_failure.routing_key');

    const set = await put('brokered', { on_failure: { kind: 'broker', broker_url: vhost.url, exchange: 'amq.topic', routing_key: 'fn.failed' } });
    t.is(set.status, 200);
    t.deepEqual(set.body.on_failure, { kind: 'broker', broker: `amqp://127.0.0.1:5672/${encodeURIComponent(vhost.name)}`, exchange: 'amq.topic', routing_key: 'fn.failed' });
    t.notRegex(JSON.stringify(await destinationsOf('brokered')), /guest/);

    const inv = await svc.api('POST', '/v1/functions/brokered/invoke', {});
    t.is(inv.body.status, 'failed');
    const msg = await pollUntil('the outcome on the tenant broker', async () => (await ch.get('outcomes', { noAck: true })) || undefined);
    t.is(msg.properties.contentType, 'application/cloudevents+json');
    t.is(msg.properties.messageId, `${inv.body.id}.failed`);
    t.like(JSON.parse(msg.content.toString('utf8')), { type: 'org.fnstack.execution.failed', data: { id: inv.body.id, status: 'failed' } });
    await pollUntil('the delivery recorded', async () => ((await destinationsOf('brokered')).last_delivered_at ? true : undefined));
  } finally {
    await conn.close();
    await vhost.drop();
  }
});
