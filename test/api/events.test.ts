import test from 'ava';
import { startTestService, createFunction, type TestService } from '../_helpers/service.js';
import { Store } from '../../service/store/store.js';
import { pollUntil } from '../_helpers/poll.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService({ env: { FNSTACK_MAX_ATTEMPTS: '2' } });
});
test.after.always(async () => {
  await svc?.close();
});

const post = (body: string, headers: Record<string, string>) =>
  fetch(`${svc.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${svc.apiKey}`, ...headers }, body });

test('structured, batch and binary CloudEvents are accepted with 202 and their ids', async (t) => {
  const one = await post(JSON.stringify({ specversion: '1.0', id: 'a1', source: 'test', type: 'com.example.created', data: { x: 1 } }), { 'content-type': 'application/cloudevents+json' });
  t.is(one.status, 202);
  t.deepEqual(await one.json(), { accepted: ['a1'] });
  const batch = await post(
    JSON.stringify([
      { specversion: '1.0', id: 'b1', source: 'test', type: 't' },
      { specversion: '1.0', id: 'b2', source: 'test', type: 't' },
    ]),
    { 'content-type': 'application/cloudevents-batch+json' },
  );
  t.deepEqual(await batch.json(), { accepted: ['b1', 'b2'] });
  const binary = await post(JSON.stringify({ y: 2 }), { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'c1', 'ce-source': 'test', 'ce-type': 't' });
  t.is(binary.status, 202);
});

const bad: Array<[string, string, Record<string, string>, string]> = [
  ['no specversion', JSON.stringify({ id: 'x', source: 's', type: 't' }), { 'content-type': 'application/cloudevents+json' }, 'body.specversion'],
  ['no id', JSON.stringify({ specversion: '1.0', source: 's', type: 't' }), { 'content-type': 'application/cloudevents+json' }, 'body.id'],
  ['bad attribute name', JSON.stringify({ specversion: '1.0', id: 'x', source: 's', type: 't', 'Bad-Name': 1 }), { 'content-type': 'application/cloudevents+json' }, 'body.Bad-Name'],
  ['bad time', JSON.stringify({ specversion: '1.0', id: 'x', source: 's', type: 't', time: 'yesterday' }), { 'content-type': 'application/cloudevents+json' }, 'body.time'],
  ['empty batch', '[]', { 'content-type': 'application/cloudevents-batch+json' }, 'body'],
  ['batch entry without type', JSON.stringify([{ specversion: '1.0', id: 'x', source: 's' }]), { 'content-type': 'application/cloudevents-batch+json' }, 'body[0].type'],
  ['plain JSON without ce- headers', '{}', { 'content-type': 'application/json' }, 'headers'],
  ['binary without ce-type', '{}', { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-id': 'x', 'ce-source': 's' }, 'headers.type'],
];
for (const [title, body, headers, field] of bad) {
  test(`events: ${title} is a 400 naming ${field}`, async (t) => {
    const r = await post(body, headers);
    t.is(r.status, 400);
    const b = (await r.json()) as { code: string; field: string };
    t.is(b.code, 'invalid_request');
    t.is(b.field, field);
  });
}

test('events need credentials', async (t) => {
  const r = await fetch(`${svc.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: JSON.stringify({ specversion: '1.0', id: 'x', source: 's', type: 't' }) });
  t.is(r.status, 401);
});

test('a poison message ends in the dead letters with its reason; list, show, discard', async (t) => {
  await svc.injectWork(JSON.stringify({ kind: 'explode', projectId: 'admin' }));
  let items: Array<{ id: string; reason: string }> = [];
  for (let i = 0; i < 50 && items.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    items = (await svc.api('GET', '/v1/dead-letters')).body.items;
  }
  t.is(items.length, 1);
  t.regex(items[0]!.reason, /not a work message/);
  const one = await svc.api('GET', `/v1/dead-letters/${items[0]!.id}`);
  t.is(one.status, 200);
  t.is(one.body.message.kind, 'explode');
  const retry = await svc.api('POST', `/v1/dead-letters/${items[0]!.id}/retry`);
  t.is(retry.status, 422, 'poison cannot be retried');
  t.is((await svc.api('DELETE', `/v1/dead-letters/${items[0]!.id}`)).status, 204);
  t.is((await svc.api('GET', `/v1/dead-letters/${items[0]!.id}`)).status, 404);
});

test('an execution given up on after max attempts is dead-lettered, and a retry runs it again', async (t) => {
  await createFunction(svc, 'dl', 'exports.handler = () => "ran";');
  // Remove the code blob: the worker cannot prepare the code and retries until it gives up.
  const fn = (await svc.api('GET', '/v1/functions/dl')).body;
  const store = await Store.open(svc.databaseUrl, { migrate: false });
  const blob = await store.code.get(fn.code.sha256);
  await store.db.deleteFrom('code_chunks').where('sha256', '=', fn.code.sha256).execute();
  const { rm } = await import('node:fs/promises');
  await rm(`${svc.dataDir}/code/${fn.code.sha256}`, { recursive: true, force: true });
  try {
    const inv = await svc.api('POST', '/v1/functions/dl/invoke?mode=async', {});
    const execution = async () => (await svc.api('GET', `/v1/executions/${inv.body.execution_id}`)).body;
    let e = await pollUntil('the execution to be final', async () => {
      const x = await execution();
      return ['succeeded', 'failed', 'timed_out'].includes(x.status) ? x : undefined;
    });
    t.is(e.status, 'failed');
    t.regex(e.error.message, /gave up after repeated failures/);
    const dl = (await svc.api('GET', '/v1/dead-letters')).body.items.find((d: { message: { executionId?: string } }) => d.message.executionId === inv.body.execution_id);
    t.truthy(dl, 'the work message is in the dead letters');
    t.is(dl.attempts, 2);
    // Put the code back and retry: the same execution runs to success.
    await store.code.put({ sha256: fn.code.sha256, sizeBytes: blob!.length, format: 'js', fileName: 'index.js' }, blob!);
    await store.db.deleteFrom('code_packages').where('sha256', '=', '0').execute();
    for (let seq = 0; seq < 1; seq++) await store.db.insertInto('code_chunks').values({ sha256: fn.code.sha256, seq, data: blob! }).execute();
    t.is((await svc.api('POST', `/v1/dead-letters/${dl.id}/retry`)).status, 202);
    e = await pollUntil('the retried execution to succeed', async () => {
      const x = await execution();
      return x.status === 'succeeded' ? x : undefined;
    });
    t.is(e.result, 'ran');
    t.is((await svc.api('GET', `/v1/dead-letters/${dl.id}`)).status, 404);
  } finally {
    await store.close();
  }
});
