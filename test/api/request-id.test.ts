/** Every response carries X-Request-Id: the client's when it is a plain token, else a fresh UUID; the audit trail keeps it. */
import test from 'ava';
import { functionForm, RUNTIME, startTestService, type TestService } from '../_helpers/service.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService();
});
test.after.always(async () => {
  await svc?.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('without one, each response gets its own UUID, errors included', async (t) => {
  const a = await svc.api('GET', '/v1/functions');
  const b = await svc.api('GET', '/v1/functions/nope');
  t.regex(a.headers.get('x-request-id') ?? '', UUID);
  t.regex(b.headers.get('x-request-id') ?? '', UUID);
  t.not(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
});

test('a client’s id is echoed and recorded in the audit trail', async (t) => {
  const id = `trace-${Date.now()}`;
  const r = await svc.api('POST', '/v1/keys', { description: 'traced' }, { 'x-request-id': id });
  t.is(r.status, 201, JSON.stringify(r.body));
  t.is(r.headers.get('x-request-id'), id);
  const audit = await svc.api('GET', '/v1/audit');
  t.true((audit.body.items as Array<{ request_id: string | null }>).some((e) => e.request_id === id), JSON.stringify(audit.body.items.slice(0, 3)));
});

test('an id that is not a plain token is replaced, not echoed', async (t) => {
  for (const hostile of ['a'.repeat(65), 'has space', '<script>', 'x;y']) {
    const r = await svc.api('GET', '/v1/functions', undefined, { 'x-request-id': hostile });
    t.regex(r.headers.get('x-request-id') ?? '', UUID, hostile);
  }
});

test('the request id of an invoke is kept on its execution, sync and async', async (t) => {
  const fn = await svc.api('POST', '/v1/functions', functionForm({ name: 'traced', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: 'exports.handler = async () => 1;' }));
  t.is(fn.status, 201, JSON.stringify(fn.body));
  const sync = await svc.api('POST', '/v1/functions/traced/invoke', {}, { 'x-request-id': 'trace-sync-1' });
  t.is(sync.status, 200, JSON.stringify(sync.body));
  t.is(sync.body.request_id, 'trace-sync-1');
  const shown = await svc.api('GET', `/v1/executions/${sync.body.id}`);
  t.is(shown.body.request_id, 'trace-sync-1');
  const async = await svc.api('POST', '/v1/functions/traced/invoke?mode=async', {});
  const generated = async.headers.get('x-request-id');
  t.regex(generated ?? '', UUID);
  t.is((await svc.api('GET', `/v1/executions/${async.body.execution_id}`)).body.request_id, generated, 'a generated id is kept too');
  const listed = await svc.api('GET', '/v1/executions?function=traced');
  t.true((listed.body.items as Array<{ request_id: string | null }>).some((e) => e.request_id === 'trace-sync-1'));
});
