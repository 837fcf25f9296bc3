/**
 * Events through the durable pipeline (MariaDB + RabbitMQ, real service processes): N events
 * published → N executions recorded, with 1 and then 2 workers; events/s and publish→done
 * latency, next to a raw amqplib publish→consume loop on the same broker in the same run
 * (the ceiling). Run: `npm run build && node dist/bench/events.js [N]`.
 */
import amqp from 'amqplib';
import { Cluster } from '../test/_helpers/cluster.js';
import { createTestDatabase } from '../test/_helpers/mariadb.js';
import { createTestVhost } from '../test/_helpers/rabbitmq.js';

const N = Number(process.argv[2] ?? 200);
const CLIENTS = 16;
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

async function rawAmqp(url: string, n: number): Promise<{ rate: number; p50: number; p99: number }> {
  const conn = await amqp.connect(url);
  const pub = await conn.createConfirmChannel();
  const sub = await conn.createChannel();
  const q = 'bench.raw';
  await pub.assertQueue(q, { durable: true });
  await sub.prefetch(16);
  const lat: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await sub.consume(q, (m) => {
    if (!m) return;
    lat.push(Date.now() - Number(m.content.toString()));
    sub.ack(m);
    if (lat.length === n) done();
  });
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    pub.sendToQueue(q, Buffer.from(String(Date.now())), { persistent: true });
    await pub.waitForConfirms(); // like the service: each publish confirmed before it counts
  }
  await finished;
  const rate = n / ((Date.now() - t0) / 1000);
  await conn.close();
  return { rate, p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function main() {
  const db = await createTestDatabase();
  const vhost = await createTestVhost();
  const cluster = new Cluster({ databaseUrl: db.url, queueUrl: vhost.url, env: { FNSTACK_LOG_LEVEL: 'warn', FNSTACK_WORKER_CONCURRENCY: '4' } });
  try {
    const api = await cluster.start('api');
    const key = await cluster.apiKey(api);
    const auth = { authorization: `Bearer ${key}` };
    const form = new FormData();
    form.append('metadata', JSON.stringify({ name: 'count', runtime: RUNTIME, handler: 'index.handler' }));
    form.append('code', new Blob(['exports.handler = async (e) => ({ n: e.data.n });']), 'index.js');
    const created = await fetch(`${api.url}/v1/functions`, { method: 'POST', headers: auth, body: form });
    if (created.status !== 201) throw new Error(await created.text());

    const runBatch = async (label: string, n: number) => {
      let next = 0;
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < n) {
            const i = next++;
            const r = await fetch(`${api.url}/v1/functions/count/invoke?mode=async`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'ce-id': `${label}-${i}` }, body: JSON.stringify({ n: i }) });
            if (r.status !== 202) throw new Error(`${r.status} ${await r.text()}`);
          }
        }),
      );
      const published = Date.now();
      const ours = (e: { event_id: string }) => e.event_id.startsWith(`${label}-`);
      let items: Array<{ status: string; event_id: string; timings: { total_ms: number | null; queued_at: string; finished_at: string | null } }> = [];
      for (;;) {
        items = [];
        let cursor: string | null = null;
        do {
          const r = await fetch(`${api.url}/v1/executions?function=count&limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth });
          const body = (await r.json()) as { items: typeof items; next_cursor: string | null };
          items.push(...body.items.filter(ours));
          cursor = body.next_cursor;
        } while (cursor);
        if (items.length === n && items.every((e) => ['succeeded', 'failed', 'timed_out'].includes(e.status))) break;
        await sleep(250);
      }
      const failed = items.filter((e) => e.status !== 'succeeded').length;
      const last = Math.max(...items.map((e) => Date.parse(e.timings.finished_at!)));
      const lat = items.map((e) => e.timings.total_ms!);
      return { n, failed, publishRate: n / ((published - t0) / 1000), rate: n / ((last - t0) / 1000), p50: pct(lat, 50), p99: pct(lat, 99) };
    };

    await cluster.start('worker');
    await runBatch('warm', 20);
    const one = await runBatch('one', N);
    await cluster.start('worker');
    const two = await runBatch('two', N);
    const raw = await rawAmqp(vhost.url, N * 5);

    console.log(`events through MariaDB + RabbitMQ, N=${N}, ${CLIENTS} HTTP clients, ${new Date().toISOString()}`);
    const row = (name: string, r: { rate: number; p50: number; p99: number }) => `${name.padEnd(40)} ${r.rate.toFixed(1).padStart(8)} /s   publish→done p50 ${String(Math.round(r.p50)).padStart(5)} ms  p99 ${String(Math.round(r.p99)).padStart(5)} ms`;
    console.log(row('1 worker (4 at once, a sandbox each)', one) + `   failed ${one.failed}, accepted ${one.publishRate.toFixed(0)}/s`);
    console.log(row('2 workers', two) + `   failed ${two.failed}, accepted ${two.publishRate.toFixed(0)}/s`);
    console.log(row('raw amqplib publish(confirm)→consume', raw));
    console.log(`ratio 1 worker / raw: ${(one.rate / raw.rate).toFixed(3)}   2 workers / raw: ${(two.rate / raw.rate).toFixed(3)}   2 workers / 1 worker: ${(two.rate / one.rate).toFixed(2)}x`);
  } finally {
    await cluster.stopAll();
    await vhost.drop();
    await db.drop();
  }
}

await main();
