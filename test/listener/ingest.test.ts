/** The listener's one way in: envelopes validated, quotas applied where the caller can hear 429, work durable. */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../service/store/store.js';
import { StoreQueue } from '../../service/queue/store-queue.js';
import { Ingest } from '../../service/listener/ingest.js';
import { newCloudEvent, validateEnvelope } from '../../service/listener/cloudevents.js';
import { loadConfig } from '../../service/config.js';
import { ApiError } from '../../service/errors.js';
import type { CloudEvent } from '../../service/runner/protocol.js';

const quotas = loadConfig({}).quotas;
const spec = { runtime: 'nodejs20', handler: 'index.handler', memoryMb: 128, vcpus: 1, diskGb: 1, timeoutS: 5, network: false, isolation: 'per-event' as const, env: {} };
const code = { sha256: 'a'.repeat(64), sizeBytes: 3, format: 'js' as const, fileName: 'index.js' };

async function fixture() {
  const dir = await mkdtemp(join(tmpdir(), 'fnstack-ingest-'));
  const store = await Store.open(`sqlite:${join(dir, 'db.sqlite')}`);
  const queue = new StoreQueue(store.db);
  const project = await store.accounts.createProject(`p-${Math.random().toString(36).slice(2)}`, 'builtin');
  const scope = store.forProject(project.id);
  await store.code.put(code, Buffer.from('x=1'));
  const fn = (await scope.functions.create('f', spec, code))!;
  const queued = async () => (await store.db.selectFrom('queue_messages').select('payload').execute()).map((r) => JSON.parse(String(r.payload)) as { kind: string; event?: CloudEvent; executionId?: string });
  return {
    ingest: new Ingest(store, queue, quotas),
    store,
    scope,
    fn,
    projectId: project.id,
    queued,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const event = (id: string) => newCloudEvent({ id, source: 'test', type: 'test.event', data: { n: 1 } });

test('the one builder makes envelopes the listener accepts, extensions included', (t) => {
  const e = newCloudEvent({ source: 's', type: 't', data: 1, extensions: { fnstacktrigger: 'x' } });
  t.is(e.specversion, '1.0');
  t.truthy(e.id);
  t.truthy(e.time);
  t.is(e.fnstacktrigger, 'x');
  t.notThrows(() => validateEnvelope(e));
});

test('an envelope that is not a CloudEvent is refused naming the attribute', (t) => {
  const err = t.throws(() => validateEnvelope({ specversion: '1.0', id: 'x', source: '', type: 't' }), { instanceOf: ApiError });
  t.is(err?.field, 'body.source');
  const bad = t.throws(() => validateEnvelope({ specversion: '1.0', id: 'x', source: 's', type: 't', Bad_Name: 1 }), { instanceOf: ApiError });
  t.is(bad?.field, 'body.Bad_Name');
});

test('events are queued durable, each once; a bad one in a batch queues none', async (t) => {
  const f = await fixture();
  try {
    await f.ingest.events(f.projectId, [event('a'), event('b')], 'later');
    t.deepEqual((await f.queued()).map((m) => m.event?.id), ['a', 'b']);
    await t.throwsAsync(f.ingest.events(f.projectId, [event('c'), { ...event('d'), type: '' }], 'later'), { instanceOf: ApiError });
    t.is((await f.queued()).length, 2);
  } finally {
    await f.close();
  }
});

test('over the executions-per-minute quota, an addressed event is refused with 429 and nothing is queued', async (t) => {
  const f = await fixture();
  try {
    await f.scope.quotas.setOverrides({ executionsPerMinute: 1 });
    await f.ingest.invocation(f.fn, event('one'));
    const err = await t.throwsAsync(f.ingest.events(f.projectId, [event('two')], 'addressed'), { instanceOf: ApiError });
    t.is(err?.status, 429);
    t.is((await f.queued()).filter((m) => m.kind === 'event').length, 0);
  } finally {
    await f.close();
  }
});

test('an invocation records one queued execution; a replayed event id returns it and queues nothing more', async (t) => {
  const f = await fixture();
  try {
    const first = await f.ingest.invocation(f.fn, event('same'));
    const again = await f.ingest.invocation(f.fn, event('same'));
    t.is(again.id, first.id);
    t.is(first.status, 'queued');
    t.deepEqual((await f.queued()).map((m) => m.executionId), [first.id]);
  } finally {
    await f.close();
  }
});

test('an execution a sync invoke waits for is marked so, also when the invoke replays an async one', async (t) => {
  const f = await fixture();
  try {
    t.true((await f.ingest.invocation(f.fn, event('sync'), null, null, true)).awaited);
    const queuedAlone = await f.ingest.invocation(f.fn, event('replayed'));
    t.false(queuedAlone.awaited);
    await f.ingest.invocation(f.fn, event('replayed'), null, null, true);
    t.true((await f.store.ledger.get(queuedAlone.id))?.awaited, 'its worker will announce its end');
  } finally {
    await f.close();
  }
});

test('a retried run goes back on the queue for the same execution', async (t) => {
  const f = await fixture();
  try {
    const e = await f.ingest.invocation(f.fn, event('r'));
    await f.ingest.retry(f.projectId, { kind: 'run', executionId: e.id, projectId: f.projectId });
    t.deepEqual((await f.queued()).map((m) => m.executionId), [e.id, e.id]);
  } finally {
    await f.close();
  }
});
