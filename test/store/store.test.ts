import test from 'ava';
import { randomUUID } from 'node:crypto';
import { Store } from '../../service/store/store.js';
import type { FunctionSpec, CodeRef } from '../../service/model.js';
import { DIALECTS } from '../_helpers/dialects.js';
import { storeTest } from '../_helpers/store-test.js';
import { requireService } from '../_helpers/requirements.js';

const spec: FunctionSpec = { runtime: 'nodejs20', handler: 'index.handler', memoryMb: 128, vcpus: 1, diskGb: 1, timeoutS: 5, network: true, isolation: 'per-event', env: { A: '1' } };
const code: CodeRef = { sha256: 'a'.repeat(64), sizeBytes: 3, format: 'js', fileName: 'index.js' };
const event = (id: string) => ({ specversion: '1.0' as const, id, source: 'test', type: 't' });

for (const d of DIALECTS) {
  const withStore = (title: string, body: Parameters<typeof storeTest>[2]) => storeTest(d, title, body);

  test(`${d.name}: migrations are safe when several processes start at once`, async (t) => {
    if (!requireService(t, d.name, await d.available())) return;
    const db = await d.create();
    try {
      const stores = await Promise.all([Store.open(db.url), Store.open(db.url), Store.open(db.url)]);
      t.true(await stores[0]!.ping());
      await Promise.all(stores.map((s) => s.close()));
      const again = await Store.open(db.url);
      t.true(await again.ping());
      await again.close();
    } finally {
      await db.cleanup();
    }
  });

  withStore('functions: create, versions, update, list, delete, scoped by project', async (t, store) => {
    await store.code.put(code, Buffer.from('abc'));
    const p1 = store.forProject('p1');
    const p2 = store.forProject('p2');
    const f = await p1.functions.create('hello', spec, code);
    t.is(f?.currentVersion, 1);
    t.deepEqual(f?.spec.env, { A: '1' });
    t.is(await p1.functions.create('hello', spec, code), null, 'duplicate name in one project');
    t.truthy(await p2.functions.create('hello', spec, code), 'same name in another project');
    const updated = await p1.functions.update('hello', { ...spec, memoryMb: 256 }, code);
    t.is(updated?.currentVersion, 2);
    t.is(updated?.spec.memoryMb, 256);
    const versions = await p1.functions.versions('hello');
    t.deepEqual(versions?.map((v) => [v.version, v.memoryMb]), [[2, 256], [1, 128]]);
    t.is((await p2.functions.get('hello'))?.spec.memoryMb, 128, 'the other project is untouched');
    for (const n of ['b', 'c', 'd']) await p1.functions.create(n, spec, code);
    const page1 = await p1.functions.list(2, null);
    t.deepEqual(page1.items.map((f) => f.name), ['b', 'c']);
    const page2 = await p1.functions.list(2, page1.nextCursor);
    t.deepEqual(page2.items.map((f) => f.name), ['d', 'hello']);
    t.is(page2.nextCursor, null);
    t.true(await p1.functions.delete('hello'));
    t.false(await p1.functions.delete('hello'));
    t.is(await p1.functions.get('hello'), null);
    t.truthy(await p2.functions.get('hello'));
  });

  withStore('code blobs round-trip through chunks', async (t, store) => {
    const blob = Buffer.alloc(2.5 * 1024 * 1024, 7);
    blob.write('end', blob.length - 3);
    const ref: CodeRef = { sha256: 'b'.repeat(64), sizeBytes: blob.length, format: 'zip', fileName: null };
    await store.code.put(ref, blob);
    await store.code.put(ref, blob); // idempotent
    t.true((await store.code.get(ref.sha256))?.equals(blob));
    t.is(await store.code.get('c'.repeat(64)), null);
  });

  withStore('executions: one per (function, event); claims and leases', async (t, store) => {
    const input = { projectId: 'p1', functionId: 'f1', functionName: 'hello', functionVersion: 1, event: event('e1'), limits: { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: true } };
    const a = await store.ledger.createOnce({ ...input, id: randomUUID() });
    const b = await store.ledger.createOnce({ ...input, id: randomUUID() });
    t.true(a.created);
    t.false(b.created);
    t.is(b.execution.id, a.execution.id);
    const id = a.execution.id;
    t.true(await store.ledger.claim(id, 'w1', 60_000));
    t.false(await store.ledger.claim(id, 'w2', 60_000), 'a live lease is not taken over');
    t.true(await store.ledger.heartbeat(id, 'w1', 1));
    await new Promise((r) => setTimeout(r, 20));
    t.true(await store.ledger.claim(id, 'w2', 60_000), 'an expired lease is taken over');
    t.false(await store.ledger.heartbeat(id, 'w1', 60_000), 'the old worker lost it');
    t.is(await store.ledger.finish(id, 'w1', { status: 'succeeded', result: 1, logs: '', logsTruncated: false, startedAt: 0, finishedAt: 0 }), null, 'the old worker records nothing');
    t.truthy(await store.ledger.finish(id, 'w2', { status: 'succeeded', result: { ok: true }, logs: 'hi\n', logsTruncated: false, startedAt: 0, finishedAt: 0, peakMemoryBytes: 1234 }));
    t.is(await store.ledger.finish(id, 'w2', { status: 'failed', logs: '', logsTruncated: false, startedAt: 0, finishedAt: 0 }), null, 'final is final');
    const e = await store.forProject('p1').executions.get(id);
    t.is(e?.status, 'succeeded');
    t.is(e?.attempts, 2);
    t.deepEqual(JSON.parse((await store.forProject('p1').executions.resultText(id))!), { ok: true });
    t.is(e?.resultBytes, 11);
    t.is(e?.resultPreview, '{"ok":true}');
    t.is(e?.peakMemoryBytes, 1234);
    t.is(await store.forProject('p2').executions.get(id), null, 'another project cannot see it');
    t.deepEqual(await store.forProject('p1').executions.logs(id), { status: 'succeeded', logs: 'hi\n', truncated: false });
  });

  withStore('quotas: the concurrency limit and the slots in use, read together', async (t, store) => {
    const defaults = { functions: 50, codeBytes: 1e9, concurrentExecutions: 7, executionsPerMinute: 100, memoryMb: 1024 };
    const limits = { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: true };
    const make = async (projectId: string, i: number) => (await store.ledger.createOnce({ id: randomUUID(), projectId, functionId: 'f1', functionName: 'f', functionVersion: 1, event: event(`c${i}`), limits })).execution.id;
    const p1 = store.forProject('p1');
    t.deepEqual(await p1.quotas.concurrency(defaults), { limit: 7, active: 0 }, 'no override: the default');
    const ids = [await make('p1', 1), await make('p1', 2), await make('p1', 3)];
    await make('p2', 4);
    t.true(await store.ledger.claim(ids[0]!, 'w1', 60_000));
    t.true(await store.ledger.claim(ids[1]!, 'w1', 60_000));
    await store.ledger.markRunning(ids[1]!, 'w1', { provider: 'local', details: {} });
    t.true(await store.ledger.claim(await make('p2', 5), 'w1', 60_000));
    t.deepEqual(await p1.quotas.concurrency(defaults), { limit: 7, active: 2 }, 'provisioning and running count; queued and other projects do not');
    await p1.quotas.setOverrides({ concurrentExecutions: 2, functions: 3 });
    t.deepEqual(await p1.quotas.concurrency(defaults), { limit: 2, active: 2 }, 'the override');
    await p1.quotas.setOverrides({ functions: 3 });
    t.is((await p1.quotas.concurrency(defaults)).limit, 7, 'an override of another quota leaves the default');
    t.truthy(await store.ledger.finish(ids[0]!, 'w1', { status: 'succeeded', result: 1, logs: '', logsTruncated: false, startedAt: 0, finishedAt: 0 }));
    t.is((await p1.quotas.concurrency(defaults)).active, 1, 'a final execution frees its slot');
    t.is(await p1.quotas.activeExecutions(), 1);
  });

  withStore('quotas: an execution is created claimed only under the project’s own concurrency quota', async (t, store) => {
    const limits = { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: true };
    const input = (i: number) => ({ id: randomUUID(), projectId: 'p1', functionId: 'f1', functionName: 'f', functionVersion: 1, event: event(`k${i}`), limits });
    const claim = { workerId: 'w1', leaseMs: 60_000, concurrent: 4 };
    await store.forProject('p1').quotas.setOverrides({ concurrentExecutions: 1 });
    const first = await store.ledger.createWithinQuota(input(1), 1000, Date.now(), claim);
    const second = await store.ledger.createWithinQuota(input(2), 1000, Date.now(), claim);
    t.like(first, { created: true, claimed: true, execution: { status: 'provisioning' } });
    t.like(second, { created: true, claimed: false, execution: { status: 'queued' } }, 'the project’s 1, not the default 4');
    await store.forProject('p1').quotas.setOverrides({});
    t.like(await store.ledger.createWithinQuota(input(3), 1000, Date.now(), claim), { claimed: true }, 'without its own quota: the default');
  });

  withStore('executions: read for a run together with their version and whether it has destinations; none once the function is gone', async (t, store) => {
    const limits = { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: true };
    await store.code.put(code, Buffer.from('x=1'));
    const p1 = store.forProject('p1');
    const fn = (await p1.functions.create('runme', spec, code))!;
    const input = { id: randomUUID(), projectId: 'p1', functionId: fn.id, functionName: 'runme', functionVersion: 1, event: event('r1'), limits };
    const made = (await store.ledger.createOnce(input)).execution;
    const read = await store.ledger.getForRun(made.id);
    t.deepEqual(read?.execution, await store.ledger.get(made.id), 'the execution as get reads it');
    t.deepEqual(read?.version, await p1.functions.version(fn.id, 1), 'its version as the function store reads it');
    t.false(read?.hasDestinations);
    t.false((await p1.functions.get('runme'))?.hasDestinations);
    await p1.destinations.put(fn.id, { on_success: { kind: 'events' } });
    t.true((await store.ledger.getForRun(made.id))?.hasDestinations, 'read with the execution: the function has destinations now');
    t.true((await p1.functions.get('runme'))?.hasDestinations, 'and with the function');
    t.true((await p1.functions.list(10, null)).items.find((f) => f.name === 'runme')?.hasDestinations);
    await p1.destinations.remove(fn.id);
    t.false((await store.ledger.getForRun(made.id))?.hasDestinations);
    t.false((await p1.functions.get('runme'))?.hasDestinations);
    const foreign = (await store.ledger.createOnce({ ...input, id: randomUUID(), projectId: 'p2', event: event('r2') })).execution;
    t.is((await store.ledger.getForRun(foreign.id))?.version, null, 'another project’s execution naming this function gets no version');
    const missing = (await store.ledger.createOnce({ ...input, id: randomUUID(), functionVersion: 9, event: event('r3') })).execution;
    t.is((await store.ledger.getForRun(missing.id))?.version, null, 'a version that does not exist');
    t.true(await p1.functions.delete('runme'));
    const gone = await store.ledger.getForRun(made.id);
    t.is(gone?.execution.id, made.id);
    t.is(gone?.version, null, 'the function was deleted');
    t.is(await store.ledger.getForRun('no-such-execution'), null);
  });

  withStore('executions: whether a sync invoke waits for one is kept with it', async (t, store) => {
    const limits = { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: true };
    const input = (key: string) => ({ id: randomUUID(), projectId: 'p1', functionId: 'f1', functionName: 'f', functionVersion: 1, event: event(key), limits });
    const waited = (await store.ledger.createOnce({ ...input('w'), awaited: true })).execution;
    const alone = (await store.ledger.createOnce(input('a'))).execution;
    t.true(waited.awaited);
    t.false(alone.awaited);
    t.true((await store.ledger.get(waited.id))?.awaited, 'as read back');
    t.false((await store.ledger.getForRun(alone.id))?.execution.awaited);
    await store.ledger.markAwaited(alone.id);
    t.true((await store.ledger.getForRun(alone.id))?.execution.awaited, 'a sync invoke of the same event waits for it now');
  });

  withStore('executions: list filters and pages newest first', async (t, store) => {
    const base = { projectId: 'p1', functionVersion: 1, limits: { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: true } };
    for (let i = 0; i < 5; i++) {
      await store.ledger.createOnce({ ...base, id: `x${i}`, functionId: i % 2 ? 'f1' : 'f2', functionName: i % 2 ? 'one' : 'two', event: event(`e${i}`) });
      await new Promise((r) => setTimeout(r, 3));
    }
    const scope = store.forProject('p1');
    const all = await scope.executions.list({}, 2, null);
    t.deepEqual(all.items.map((e) => e.id), ['x4', 'x3']);
    const next = await scope.executions.list({}, 2, all.nextCursor);
    t.deepEqual(next.items.map((e) => e.id), ['x2', 'x1']);
    const ones = await scope.executions.list({ functionName: 'one' }, 10, null);
    t.deepEqual(ones.items.map((e) => e.id), ['x3', 'x1']);
    t.is((await scope.executions.list({ status: 'succeeded' }, 10, null)).items.length, 0);
    t.is((await store.forProject('p2').executions.list({}, 10, null)).items.length, 0);
  });

  withStore('stalled executions: queued too long, or lease expired', async (t, store) => {
    const base = { projectId: 'p1', functionId: 'f', functionName: 'f', functionVersion: 1, limits: { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: true } };
    await store.ledger.createOnce({ ...base, id: 'q', event: event('1') });
    await store.ledger.createOnce({ ...base, id: 'r', event: event('2') });
    await store.ledger.claim('r', 'w', 1);
    await new Promise((r) => setTimeout(r, 10));
    const now = Date.now();
    t.deepEqual((await store.ledger.stalled(now, 60_000)).map((s) => s.id), ['r']);
    t.deepEqual((await store.ledger.stalled(now + 120_000, 60_000)).map((s) => s.id).sort(), ['q', 'r']);
  });

  withStore('api keys: issued once, verified by salted hash, revocable by expiry', async (t, store) => {
    const p = await store.accounts.createProject('demo', 'builtin');
    const a = await store.accounts.createAccount(p.id, 'alice', 'member');
    const k = await store.accounts.issueKey(a.id);
    t.regex(k.key, /^fsk_[0-9a-f]{16}_/);
    const who = await store.accounts.authenticate(k.key);
    t.is(who?.projectId, p.id);
    t.is(who?.role, 'member');
    t.is(await store.accounts.authenticate(k.key.slice(0, -2) + 'xx'), null, 'wrong secret');
    t.is(await store.accounts.authenticate('nonsense'), null);
    const expiresAt = Date.now() + 3600_000;
    const expiring = await store.accounts.issueKey(a.id, { expiresAt });
    t.truthy(await store.accounts.authenticate(expiring.key, expiresAt - 1));
    t.is(await store.accounts.authenticate(expiring.key, expiresAt), null, 'expired');
    const raw = await store.db.selectFrom('api_keys').select(['secret_hash']).where('id', '=', k.id).executeTakeFirstOrThrow();
    t.false(k.key.includes(raw.secret_hash), 'the secret is not stored');
  });
}
