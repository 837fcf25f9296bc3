/**
 * The finished bus carries only what a sync invoke waits for: a worker announces the end of an
 * execution to every API process when a sync invoke waits for it, and of no other (real
 * MariaDB and RabbitMQ, real service processes: an API-only one and a worker).
 */
import test from 'ava';
import { Cluster } from '../_helpers/cluster.js';
import { createTestDatabase, mariadbAvailable } from '../_helpers/mariadb.js';
import { createTestVhost, rabbitAvailable } from '../_helpers/rabbitmq.js';
import { requireService } from '../_helpers/requirements.js';
import { functionForm, RUNTIME } from '../_helpers/service.js';
import { pollUntil } from '../_helpers/poll.js';
import { RabbitFinishedBus } from '../../service/queue/rabbit-finished-bus.js';

test('a worker announces the end of a sync invoke’s execution, and not of an async one', async (t) => {
  if (!requireService(t, 'MariaDB', await mariadbAvailable())) return;
  if (!requireService(t, 'RabbitMQ', await rabbitAvailable())) return;
  const db = await createTestDatabase();
  const vhost = await createTestVhost();
  const cluster = new Cluster({ databaseUrl: db.url, queueUrl: vhost.url, env: { FNSTACK_WORKER_CONCURRENCY: '1' } });
  // Listens as an API process does: every notice on the bus reaches it.
  const listener = await RabbitFinishedBus.connect(vhost.url);
  const heard: string[] = [];
  listener.subscribe((id) => heard.push(id));
  try {
    const api = await cluster.start('api');
    await cluster.start('worker');
    const key = await cluster.apiKey(api);
    const call = async (method: string, path: string, body?: unknown) => {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` } };
      if (body instanceof FormData) init.body = body;
      else if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { ...init.headers, 'content-type': 'application/json' };
      }
      const res = await fetch(`${api.url}${path}`, init);
      return { status: res.status, body: (await res.json()) as any };
    };
    t.is((await call('POST', '/v1/functions', functionForm({ name: 'echo', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: 'exports.handler = async (e) => e.data;' }))).status, 201);

    const later = await call('POST', '/v1/functions/echo/invoke?mode=async', { n: 1 });
    t.is(later.status, 202);
    const asyncId = later.body.execution_id as string;
    await pollUntil('the async execution to end', async () => ((await call('GET', `/v1/executions/${asyncId}`)).body.status === 'succeeded' ? true : undefined));

    // The API process runs nothing itself: the worker runs this one and must tell it.
    const now = await call('POST', '/v1/functions/echo/invoke', { n: 2 });
    t.is(now.status, 200, JSON.stringify(now.body));
    t.deepEqual(now.body.result, { n: 2 });
    await pollUntil('the sync execution’s notice', async () => (heard.includes(now.body.id) ? true : undefined));
    // One worker publishes in order on one channel: the async one's notice would have come first.
    t.false(heard.includes(asyncId), 'no notice for an execution no sync invoke waits for');
  } finally {
    await listener.close();
    await cluster.stopAll();
    await vhost.drop();
    await db.drop();
  }
});
