/**
 * Two tenants, one flood: project A queues N executions at once, then project B invokes one;
 * how long B's lone execution waits (queued → running) while A's backlog drains, on MariaDB +
 * RabbitMQ with real service processes (one API, one worker of 4 concurrent executions), and
 * how many work messages the stall sweeper added. FIFO across projects would make B wait for
 * all of A. Run: `npm run build && node dist/bench/fairness.js [N]`.
 */
import { Cluster } from '../test/_helpers/cluster.js';
import { createTestDatabase } from '../test/_helpers/mariadb.js';
import { createTestVhost } from '../test/_helpers/rabbitmq.js';
import { Store } from '../service/store/store.js';

const N = Number(process.argv[2] ?? 500);
const CLIENTS = 16;
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const db = await createTestDatabase();
  const vhost = await createTestVhost();
  const cluster = new Cluster({ databaseUrl: db.url, queueUrl: vhost.url, env: { FNSTACK_LOG_LEVEL: 'warn', FNSTACK_WORKER_CONCURRENCY: '4' } });
  try {
    const api = await cluster.start('api');
    const adminKey = await cluster.apiKey(api);
    const call = async (key: string, method: string, path: string, body?: unknown) => {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` } };
      if (body instanceof FormData) init.body = body;
      else if (body !== undefined) {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const r = await fetch(api.url + path, init);
      const text = await r.text();
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
      return text ? (JSON.parse(text) as any) : null;
    };
    const fn = (name: string) => {
      const form = new FormData();
      form.append('metadata', JSON.stringify({ name, runtime: RUNTIME, handler: 'index.handler' }));
      form.append('code', new Blob(['exports.handler = async () => 1;']), 'index.js');
      return form;
    };
    const projectB = await call(adminKey, 'POST', '/v1/projects', { name: `bench-b-${Date.now()}` });
    const bob = await call(adminKey, 'POST', '/v1/accounts', { name: `bob-${Date.now()}`, role: 'admin', project_id: projectB.id });
    const bKey = bob.api_key.key as string;
    await call(adminKey, 'POST', '/v1/functions', fn('flood'));
    await call(bKey, 'POST', '/v1/functions', fn('lone'));

    let next = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < N) {
          next++;
          await call(adminKey, 'POST', '/v1/functions/flood/invoke?mode=async', {});
        }
      }),
    );
    const queuedIn = Date.now() - t0;
    await cluster.start('worker');
    await sleep(1000); // the worker is busy with A's backlog
    const lone = await call(bKey, 'POST', '/v1/functions/lone/invoke?mode=async', {});
    let b: any;
    for (;;) {
      b = await call(bKey, 'GET', `/v1/executions/${lone.execution_id}`);
      if (['succeeded', 'failed', 'timed_out'].includes(b.status)) break;
      await sleep(100);
    }
    const bWait = Date.parse(b.timings.running_at) - Date.parse(b.timings.queued_at);
    const store = await Store.open(db.url, { migrate: false });
    let left: number;
    for (;;) {
      const r = await store.db.selectFrom('executions').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['queued', 'provisioning', 'running']).executeTakeFirstOrThrow();
      left = Number(r.n);
      if (left === 0) break;
      await sleep(500);
    }
    const drained = Date.now() - t0;
    const attempts = await store.db.selectFrom('executions').select((eb) => eb.fn.sum<number>('attempts').as('n')).executeTakeFirstOrThrow();
    await store.close();
    console.log(`fairness, MariaDB + RabbitMQ, 1 worker × 4, ${new Date().toISOString()}`);
    console.log(`A queued ${N} executions in ${(queuedIn / 1000).toFixed(1)} s; B's lone execution waited ${bWait} ms (queued → running), finished ${b.status}`);
    console.log(`A's backlog drained ${(drained / 1000).toFixed(1)} s after the flood began; claims (attempts) over all ${N + 1} executions: ${Number(attempts.n)}`);
  } finally {
    await cluster.stopAll();
    await vhost.drop();
    await db.drop();
  }
}

await main();
