/**
 * Events through the durable pipeline (MariaDB + RabbitMQ, real service processes): N events
 * published → N executions recorded, for an `isolation: reuse` function and a per-event one,
 * with 1 and then 2 workers; events/s and publish→done latency, next to raw amqplib
 * publish→consume loops on the same broker in the same run (the ceiling): confirms one at a
 * time, and pipelined with 100 publishes in flight.
 * Run: `npm run build && node dist/bench/events.js [N] [reuse|per-event]`.
 */
import { loadavg } from 'node:os';
import amqp from 'amqplib';
import { Cluster } from '../test/_helpers/cluster.js';
import mariadb, { type Connection } from 'mariadb';
import { createTestDatabase, MARIADB_HOST, MARIADB_PASSWORD, MARIADB_PORT, MARIADB_USER } from '../test/_helpers/mariadb.js';
import { createTestVhost } from '../test/_helpers/rabbitmq.js';
import { machineCpuMs, pidNamed, processCpuMs } from '../test/_helpers/machine-cpu.js';

const N = Number(process.argv[2] ?? 200);
/** Which isolations to run (both by default): `node dist/bench/events.js 1500 reuse`. */
const ISOLATIONS = process.argv[3] ? process.argv[3].split(',') : ['reuse', 'per-event'];
const FUNCTIONS = ISOLATIONS.map((i) => `count-${i}`);
const CLIENTS = 16;
const RUNTIME = `nodejs${process.versions.node.split('.')[0]}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const COUNTED = ['Questions', 'Com_select', 'Com_insert', 'Com_update', 'Com_delete'] as const;
type ServerCounts = Record<(typeof COUNTED)[number], number>;

/** The MariaDB server's statement counters (all clients: the bench's own polls are in them, ~1 %). */
async function serverCounts(conn: Connection): Promise<ServerCounts> {
  const rows = (await conn.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${COUNTED.map((c) => `'${c}'`).join(', ')})`)) as Array<{ Variable_name: string; Value: string }>;
  return Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)])) as ServerCounts;
}

const perEvent = (before: ServerCounts, after: ServerCounts, n: number) =>
  `${((after.Questions - before.Questions) / n).toFixed(1)} statements/event (select ${((after.Com_select - before.Com_select) / n).toFixed(1)}, insert ${((after.Com_insert - before.Com_insert) / n).toFixed(1)}, update ${((after.Com_update - before.Com_update) / n).toFixed(1)}, delete ${((after.Com_delete - before.Com_delete) / n).toFixed(1)})`;

/** Raw publish(confirm)→consume of `n` messages, at most `inFlight` publishes unconfirmed. */
async function rawAmqp(url: string, n: number, inFlight: number): Promise<{ rate: number; p50: number; p99: number }> {
  const conn = await amqp.connect(url);
  const pub = await conn.createConfirmChannel();
  const sub = await conn.createChannel();
  const q = `bench.raw.${inFlight}`;
  await pub.assertQueue(q, { durable: true });
  await sub.prefetch(100);
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
  let sent = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (sent < n) {
        sent++;
        await new Promise<void>((resolve, reject) => pub.sendToQueue(q, Buffer.from(String(Date.now())), { persistent: true }, (err) => (err ? reject(err as Error) : resolve())));
      }
    }),
  );
  await finished;
  const rate = n / ((Date.now() - t0) / 1000);
  await conn.close();
  return { rate, p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function main() {
  const db = await createTestDatabase();
  const vhost = await createTestVhost();
  const cluster = new Cluster({ databaseUrl: db.url, queueUrl: vhost.url, env: { FNSTACK_LOG_LEVEL: 'warn', FNSTACK_WORKER_CONCURRENCY: '4', FNSTACK_QUOTA_EXECUTIONS_PER_MINUTE: '100000000' } });
  try {
    const api = await cluster.start('api');
    const key = await cluster.apiKey(api);
    const auth = { authorization: `Bearer ${key}` };
    for (const isolation of ISOLATIONS) {
      const form = new FormData();
      form.append('metadata', JSON.stringify({ name: `count-${isolation}`, runtime: RUNTIME, handler: 'index.handler', isolation }));
      form.append('code', new Blob(['exports.handler = async (e) => ({ n: e.data.n });']), 'index.js');
      const created = await fetch(`${api.url}/v1/functions`, { method: 'POST', headers: auth, body: form });
      if (created.status !== 201) throw new Error(await created.text());
    }

    const counter = await mariadb.createConnection({ host: MARIADB_HOST, port: MARIADB_PORT, user: MARIADB_USER, password: MARIADB_PASSWORD });
    const servers = { mariadb: pidNamed('mariadbd', 'mysqld'), rabbitmq: pidNamed('beam.smp') };
    // CPU ms so far of each part of the pipeline (null: not a process of this machine).
    const cpuNow = () => {
      const own = process.cpuUsage();
      const members = (role: string) => cluster.members.filter((m) => m.role === role).map((m) => processCpuMs(m.child.pid) ?? 0).reduce((a, b) => a + b, 0);
      return { api: members('api'), workers: members('worker'), mariadb: processCpuMs(servers.mariadb), rabbitmq: processCpuMs(servers.rabbitmq), bench: (own.user + own.system) / 1000, machine: machineCpuMs() };
    };
    const cpuPerEvent = (before: ReturnType<typeof cpuNow>, after: ReturnType<typeof cpuNow>, n: number) =>
      'CPU/event ' +
      (Object.keys(before) as Array<keyof typeof before>)
        .map((k) => `${k} ${before[k] === null || after[k] === null ? 'n/a' : ((after[k]! - before[k]!) / n).toFixed(2)}`)
        .join(', ') +
      ' ms';
    const runBatch = async (fn: string, label: string, n: number) => {
      const countsBefore = await serverCounts(counter);
      const cpuBefore = cpuNow();
      let next = 0;
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < n) {
            const i = next++;
            const r = await fetch(`${api.url}/v1/functions/${fn}/invoke?mode=async`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'ce-id': `${label}-${i}` }, body: JSON.stringify({ n: i }) });
            if (r.status !== 202) throw new Error(`${r.status} ${await r.text()}`);
          }
        }),
      );
      const published = Date.now();
      // Done when the function has nothing left unfinished (earlier batches are all final):
      // three one-row reads per look, so that the looking costs the pipeline next to nothing.
      const unfinished = async () => {
        for (const status of ['queued', 'provisioning', 'running']) {
          const r = await fetch(`${api.url}/v1/executions?function=${fn}&status=${status}&limit=1`, { headers: auth });
          if (((await r.json()) as { items: unknown[] }).items.length > 0) return true;
        }
        return false;
      };
      while (await unfinished()) await sleep(100);
      const cpuAfter = cpuNow();
      const countsAfter = await serverCounts(counter);
      const ours = (e: { event_id: string }) => e.event_id.startsWith(`${label}-`);
      const items: Array<{ status: string; event_id: string; timings: { total_ms: number | null; queued_at: string; finished_at: string | null } }> = [];
      let cursor: string | null = null;
      do {
        const r = await fetch(`${api.url}/v1/executions?function=${fn}&limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth });
        const body = (await r.json()) as { items: typeof items; next_cursor: string | null };
        items.push(...body.items.filter(ours));
        cursor = body.next_cursor;
      } while (cursor);
      if (items.length !== n) throw new Error(`${label}: ${items.length} executions recorded for ${n} events`);
      const failed = items.filter((e) => e.status !== 'succeeded').length;
      const last = Math.max(...items.map((e) => Date.parse(e.timings.finished_at!)));
      const lat = items.map((e) => e.timings.total_ms!);
      const cpu = cpuPerEvent(cpuBefore, cpuAfter, n);
      const statements = perEvent(countsBefore, countsAfter, n);
      return { n, failed, publishRate: n / ((published - t0) / 1000), rate: n / ((last - t0) / 1000), p50: pct(lat, 50), p99: pct(lat, 99), statements, cpu };
    };

    await cluster.start('worker');
    const one: Record<string, Awaited<ReturnType<typeof runBatch>>> = {};
    const two: typeof one = {};
    for (const fn of FUNCTIONS) {
      await runBatch(fn, `warm-${fn}`, 20);
      one[fn] = await runBatch(fn, `one-${fn}`, N);
    }
    await cluster.start('worker');
    for (const fn of FUNCTIONS) two[fn] = await runBatch(fn, `two-${fn}`, N);
    const raw1 = await rawAmqp(vhost.url, N * 5, 1);
    const raw100 = await rawAmqp(vhost.url, N * 20, 100);

    console.log(`events through MariaDB + RabbitMQ, N=${N}, ${CLIENTS} HTTP clients, ${new Date().toISOString()}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const row = (name: string, r: { rate: number; p50: number; p99: number }) => `${name.padEnd(44)} ${r.rate.toFixed(1).padStart(8)} /s   publish→done p50 ${String(Math.round(r.p50)).padStart(5)} ms  p99 ${String(Math.round(r.p99)).padStart(5)} ms`;
    for (const fn of FUNCTIONS) {
      console.log(row(`${fn}: 1 worker (4 at once)`, one[fn]!) + `   failed ${one[fn]!.failed}, accepted ${one[fn]!.publishRate.toFixed(0)}/s, ${one[fn]!.statements}`);
      console.log(`${''.padEnd(46)}${one[fn]!.cpu}`);
      console.log(row(`${fn}: 2 workers`, two[fn]!) + `   failed ${two[fn]!.failed}, accepted ${two[fn]!.publishRate.toFixed(0)}/s, ${two[fn]!.statements}`);
      console.log(`${''.padEnd(46)}${two[fn]!.cpu}`);
    }
    console.log(row('raw amqplib, confirms one at a time', raw1));
    console.log(row('raw amqplib, 100 publishes in flight', raw100));
    for (const fn of FUNCTIONS) {
      const best = Math.max(one[fn]!.rate, two[fn]!.rate);
      console.log(`ratio ${fn} (best) / raw pipelined: ${(best / raw100.rate).toFixed(4)}   / raw one at a time: ${(best / raw1.rate).toFixed(3)}   2 workers / 1: ${(two[fn]!.rate / one[fn]!.rate).toFixed(2)}x`);
    }
    await counter.end();
  } finally {
    await cluster.stopAll();
    await vhost.drop();
    await db.drop();
  }
}

await main();
