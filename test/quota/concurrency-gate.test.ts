/** The concurrency quota where executions start: a slot or a wait, never a failure, never over the limit in one process. */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../service/store/store.js';
import { ConcurrencyGate } from '../../service/quota/concurrency-gate.js';
import { loadConfig } from '../../service/config.js';

const spec = { runtime: 'nodejs20', handler: 'index.handler', memoryMb: 128, vcpus: 1, diskGb: 1, timeoutS: 5, network: false, isolation: 'per-event' as const, env: {} };
const code = { sha256: 'b'.repeat(64), sizeBytes: 3, format: 'js' as const, fileName: 'index.js' };

async function fixture(limit: number) {
  const dir = await mkdtemp(join(tmpdir(), 'fnstack-gate-'));
  const store = await Store.open(`sqlite:${join(dir, 'db.sqlite')}`);
  const project = await store.accounts.createProject(`p-${randomUUID().slice(0, 8)}`, 'builtin');
  const scope = store.forProject(project.id);
  await scope.quotas.setOverrides({ concurrentExecutions: limit });
  await store.code.put(code, Buffer.from('x=1'));
  const fn = (await scope.functions.create('f', spec, code))!;
  const queued = async () => {
    const a = await store.ledger.createWithinQuota(
      { id: randomUUID(), projectId: project.id, functionId: fn.id, functionName: 'f', functionVersion: 1, event: { specversion: '1.0', id: randomUUID(), source: 's', type: 't' }, limits: { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: false } },
      1000,
    );
    if (a.overQuota) throw new Error('over quota');
    return a.execution;
  };
  const gate = new ConcurrencyGate(store, loadConfig({}).quotas, { holdMs: 300, pollMs: 50 });
  return { store, gate, queued, close: async () => (await store.close(), await rm(dir, { recursive: true, force: true })) };
}

test('under the limit the claim runs; at the limit the execution is deferred, not failed', async (t) => {
  const f = await fixture(1);
  try {
    const a = await f.queued();
    const b = await f.queued();
    t.is(await f.gate.admit(a, () => f.store.ledger.claim(a.id, 'w1', 10_000)), 'claimed');
    t.is(await f.gate.admit(b, () => f.store.ledger.claim(b.id, 'w1', 10_000)), 'deferred');
    t.is((await f.store.ledger.get(b.id))?.status, 'queued');
  } finally {
    await f.close();
  }
});

test('a claim another worker won is lost', async (t) => {
  const f = await fixture(5);
  try {
    const a = await f.queued();
    t.true(await f.store.ledger.claim(a.id, 'other', 10_000));
    t.is(await f.gate.admit(a, () => f.store.ledger.claim(a.id, 'w1', 10_000)), 'lost');
  } finally {
    await f.close();
  }
});

test('concurrent admissions in one process never exceed the limit', async (t) => {
  const f = await fixture(2);
  try {
    const all = await Promise.all(Array.from({ length: 6 }, () => f.queued()));
    const answers = await Promise.all(all.map((e) => f.gate.admit(e, () => f.store.ledger.claim(e.id, 'w1', 10_000))));
    t.is(answers.filter((a) => a === 'claimed').length, 2);
    t.is(answers.filter((a) => a === 'deferred').length, 4);
  } finally {
    await f.close();
  }
});

test('an execution taken over from a dead worker already holds its slot: no wait', async (t) => {
  const f = await fixture(1);
  try {
    const a = await f.queued();
    t.true(await f.store.ledger.claim(a.id, 'dead', 1));
    const b = await f.queued();
    const running = (await f.store.ledger.get(a.id))!;
    t.not(running.status, 'queued');
    t.is(await f.gate.admit(running, async () => true), 'claimed');
    t.is(await f.gate.admit(b, () => f.store.ledger.claim(b.id, 'w1', 10_000)), 'deferred');
  } finally {
    await f.close();
  }
});
