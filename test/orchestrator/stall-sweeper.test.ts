/** The sweeper re-publishes lost work only: never an execution whose message waits on the queue, never twice per grace. */
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Store } from '../../service/store/store.js';
import { StoreQueue } from '../../service/queue/store-queue.js';
import { StallSweeper } from '../../service/orchestrator/stall-sweeper.js';

const spec = { runtime: 'nodejs20', handler: 'index.handler', memoryMb: 128, vcpus: 1, diskGb: 1, timeoutS: 5, network: false, isolation: 'per-event' as const, env: {} };
const code = { sha256: 'c'.repeat(64), sizeBytes: 3, format: 'js' as const, fileName: 'index.js' };

/** A store with one project and one function, for `body`. */
async function withFunction(body: (f: { store: Store; queue: StoreQueue; project: { id: string }; fn: { id: string } }) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fnstack-sweep-'));
  const store = await Store.open(`sqlite:${join(dir, 'db.sqlite')}`);
  try {
    const queue = new StoreQueue(store.db);
    const project = await store.accounts.createProject(`p-${randomUUID().slice(0, 8)}`, 'builtin');
    await store.code.put(code, Buffer.from('x=1'));
    const fn = (await store.forProject(project.id).functions.create('f', spec, code))!;
    await body({ store, queue, project, fn });
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('waiting executions are left alone; a never-published one is re-published once, and so is an expired lease (back to queued)', async (t) => {
  await withFunction(async ({ store, queue, project, fn }) => {
    const create = async () => {
      const a = await store.ledger.createWithinQuota(
        { id: randomUUID(), projectId: project.id, functionId: fn.id, functionName: 'f', functionVersion: 1, event: { specversion: '1.0', id: randomUUID(), source: 's', type: 't' }, limits: { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: false } },
        1000,
      );
      if (a.overQuota) throw new Error('quota');
      return a.execution.id;
    };
    const waiting = await Promise.all([create(), create(), create()]);
    await store.ledger.markPublished(waiting);
    const lost = await create();
    const crashed = await create();
    t.true(await store.ledger.claim(crashed, 'dead-worker', 1));

    const sweeper = new StallSweeper(store, queue, pino({ level: 'silent' }), { intervalMs: 1000, queuedForMs: 60_000 });
    const later = Date.now() + 120_000;
    const messages = async () => (await store.db.selectFrom('queue_messages').select('payload').execute()).map((r) => (JSON.parse(String(r.payload)) as { executionId: string }).executionId);
    t.is(await sweeper.sweep(later), 2);
    t.deepEqual((await messages()).sort(), [lost, crashed].sort());
    t.is(await sweeper.sweep(later + 60_000), 0, 'a second sweep re-publishes nothing');
    t.is((await store.ledger.get(crashed))?.status, 'queued', 'the dead worker’s claim is given back');
    t.true(await store.ledger.claim(crashed, 'new-worker', 10_000), 'and the next worker can claim it');
    t.is((await messages()).length, 2);
  });
});

test('a direct run (created claimed, no work message) whose worker died is queued by the sweeper; at the concurrency quota nothing is created claimed', async (t) => {
  await withFunction(async ({ store, queue, project, fn }) => {
    const input = () => ({ id: randomUUID(), projectId: project.id, functionId: fn.id, functionName: 'f', functionVersion: 1, event: { specversion: '1.0' as const, id: randomUUID(), source: 's', type: 't' }, limits: { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: false } });
    const claim = { workerId: 'dead-worker', leaseMs: 1, concurrent: 1 };
    const direct = await store.ledger.createWithinQuota(input(), 1000, Date.now(), claim);
    t.true(direct.claimed);
    t.is(direct.execution?.status, 'provisioning');
    const over = await store.ledger.createWithinQuota(input(), 1000, Date.now(), claim);
    t.false(over.claimed, 'the project already has its one active execution');
    t.is(over.execution?.status, 'queued');

    const sweeper = new StallSweeper(store, queue, pino({ level: 'silent' }), { intervalMs: 1000, queuedForMs: 60_000 });
    t.is(await sweeper.sweep(Date.now() + 120_000), 2, 'the dead direct run, and the queued one nobody published');
    t.is((await store.ledger.get(direct.execution!.id))?.status, 'queued');
    t.true(await store.ledger.claim(direct.execution!.id, 'new-worker', 10_000));
  });
});
