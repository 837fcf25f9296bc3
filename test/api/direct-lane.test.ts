/**
 * The direct lane: in a process that is also a worker, a sync invoke runs in a free slot of
 * that worker without a work message — and still within the worker's slots and the project's
 * concurrency quota (over them it takes the queue and waits its turn).
 */
import test from 'ava';
import Database from 'better-sqlite3';
import { startTestService, createFunction, TEST_BACKEND, type TestService } from '../_helpers/service.js';

const SLOW = 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, 1500)); return { i: e.data.i }; };';

/** Two sync invokes at once; their run intervals, in the order they ran. */
async function twoAtOnce(svc: TestService, fn: string) {
  const rs = await Promise.all([0, 1].map((i) => svc.api('POST', `/v1/functions/${fn}/invoke`, { i })));
  for (const r of rs) if (r.status !== 200 || r.body.status !== 'succeeded') throw new Error(JSON.stringify(r.body));
  return rs
    .map((r) => ({ i: r.body.result.i as number, running: Date.parse(r.body.timings.running_at), finished: Date.parse(r.body.timings.finished_at) }))
    .sort((a, b) => a.running - b.running);
}

test('a sync invoke runs without a work message, and is recorded whole', async (t) => {
  const svc = await startTestService();
  try {
    await createFunction(svc, 'quick', 'exports.handler = async (e) => { console.log("hi"); return { got: e.data.n }; };', { isolation: 'reuse' });
    for (let n = 0; n < 3; n++) {
      const r = await svc.api('POST', '/v1/functions/quick/invoke', { n });
      t.is(r.status, 200, JSON.stringify(r.body));
      t.is(r.body.status, 'succeeded');
      t.deepEqual(r.body.result, { got: n });
      t.is(r.body.attempts, 1);
      t.truthy(r.body.timings.running_at);
      t.is((await svc.api('GET', `/v1/executions/${r.body.id}/logs`)).body.logs, 'hi\n');
    }
    if (TEST_BACKEND === 'embedded') {
      const db = new Database(svc.databaseUrl.replace(/^sqlite:/, ''), { readonly: true });
      const seq = db.prepare("select seq from sqlite_sequence where name = 'queue_messages'").get() as { seq: number } | undefined;
      db.close();
      t.is(seq?.seq ?? 0, 0, 'no work message was ever queued');
    }
  } finally {
    await svc.close();
  }
});

test('a sync invoke answers the execution exactly as stored: the same as GET, for short and long runs, reuse and per-event', async (t) => {
  const svc = await startTestService();
  try {
    const code = 'exports.handler = async (e) => { if (e.data.wait) await new Promise((r) => setTimeout(r, e.data.wait)); console.log("n", e.data.n); return e.data.n % 2 ? { n: e.data.n, s: "é".repeat(e.data.n) } : Buffer.from("b"); };';
    await createFunction(svc, 'warm', code, { isolation: 'reuse' });
    await createFunction(svc, 'fresh', code);
    for (const fn of ['warm', 'fresh']) {
      for (const [n, wait] of [[1, 0], [2, 0], [3, 300], [701, 0]] as const) {
        const r = await svc.api('POST', `/v1/functions/${fn}/invoke`, { n, wait });
        t.is(r.status, 200, JSON.stringify(r.body));
        t.is(r.body.status, 'succeeded', JSON.stringify(r.body));
        const stored = await svc.api('GET', `/v1/executions/${r.body.id}`);
        t.deepEqual(r.body, stored.body, `${fn} n=${n} wait=${wait}`);
        t.truthy(r.body.timings.running_at, 'the running mark is recorded, also for a short run');
        t.truthy(r.body.placement, 'and the placement with it');
      }
    }
    // A run longer than the running mark's delay is seen running while it runs.
    const slow = svc.api('POST', '/v1/functions/warm/invoke?mode=async', { n: 5, wait: 3000 });
    const id = (await slow).body.execution_id as string;
    let seen = '';
    for (let i = 0; i < 100 && seen !== 'running'; i++) {
      seen = (await svc.api('GET', `/v1/executions/${id}`)).body.status;
      if (seen !== 'running') await new Promise((r) => setTimeout(r, 50));
    }
    t.is(seen, 'running');
  } finally {
    await svc.close();
  }
});

test('the worker’s slots bound the direct lane: with one slot, two sync invokes run one after the other', async (t) => {
  const svc = await startTestService({ env: { FNSTACK_WORKER_CONCURRENCY: '1' } });
  try {
    await createFunction(svc, 'slow', SLOW, { isolation: 'reuse' });
    const [first, second] = await twoAtOnce(svc, 'slow');
    t.true(second!.running >= first!.finished, `overlap: ${JSON.stringify([first, second])}`);
  } finally {
    await svc.close();
  }
});

test('the project’s concurrency quota bounds the direct lane: at 1, two sync invokes run one after the other', async (t) => {
  const svc = await startTestService({ env: { FNSTACK_WORKER_CONCURRENCY: '4', FNSTACK_QUOTA_CONCURRENT_EXECUTIONS: '1' } });
  try {
    await createFunction(svc, 'slow', SLOW);
    const [first, second] = await twoAtOnce(svc, 'slow');
    t.true(second!.running >= first!.finished, `overlap: ${JSON.stringify([first, second])}`);
  } finally {
    await svc.close();
  }
});
