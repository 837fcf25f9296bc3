import test from 'ava';
import { startTestService, createFunction, type TestService } from '../_helpers/service.js';
import { pollUntil } from '../_helpers/poll.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService();
  await createFunction(svc, 'echo', 'exports.handler = async (event, ctx) => { console.log("got", JSON.stringify(event.data)); console.error("to stderr"); return { data: event.data, fn: process.env.FNSTACK_FUNCTION_NAME, g: process.env.GREETING }; };', { env: { GREETING: 'hi' } });
  await createFunction(svc, 'boom', 'exports.handler = async () => { throw new Error("kaboom"); };');
  await createFunction(svc, 'slow', 'exports.handler = () => new Promise((r) => setTimeout(r, 60000));', { timeout_s: 1 });
});
test.after.always(async () => {
  await svc?.close();
});

test('sync invoke returns the final execution with result, timings, limits and placement', async (t) => {
  const r = await svc.api('POST', '/v1/functions/echo/invoke', { n: 1 });
  t.is(r.status, 200, JSON.stringify(r.body));
  const e = r.body;
  t.is(e.status, 'succeeded');
  t.deepEqual(e.result, { data: { n: 1 }, fn: 'echo', g: 'hi' });
  t.is(e.function, 'echo');
  t.is(e.function_version, 1);
  t.is(e.attempts, 1);
  t.is(e.limits.memory_mb, 128);
  t.is(e.placement.provider, 'local');
  t.true(e.timings.total_ms >= e.timings.run_ms);
  t.truthy(e.timings.finished_at);
  const logs = await svc.api('GET', `/v1/executions/${e.id}/logs`);
  t.is(logs.status, 200);
  t.regex(logs.body.logs, /got \{"n":1\}/);
  t.regex(logs.body.logs, /to stderr/);
  t.false(logs.body.truncated);
});

test('a handler that throws is failed with kind, message and stack', async (t) => {
  const r = await svc.api('POST', '/v1/functions/boom/invoke', {});
  t.is(r.status, 200);
  t.is(r.body.status, 'failed');
  t.is(r.body.error.kind, 'handler_error');
  t.regex(r.body.error.message, /kaboom/);
  t.regex(r.body.error.stack ?? '', /index\.js/);
});

test('a function over its timeout is timed_out', async (t) => {
  const r = await svc.api('POST', '/v1/functions/slow/invoke', {});
  t.is(r.body.status, 'timed_out');
});

test('async invoke answers 202 at once and the execution completes', async (t) => {
  const r = await svc.api('POST', '/v1/functions/echo/invoke?mode=async', { n: 2 });
  t.is(r.status, 202);
  t.truthy(r.body.execution_id);
  t.regex(r.headers.get('location') ?? '', /\/v1\/executions\//);
  const e = await pollUntil('the execution to be final', async () => {
    const x = (await svc.api('GET', `/v1/executions/${r.body.execution_id}`)).body;
    return ['succeeded', 'failed', 'timed_out'].includes(x.status) ? x : undefined;
  });
  t.is(e.status, 'succeeded');
  t.deepEqual(e.result.data, { n: 2 });
});

test('a repeated ce-id returns the same execution (idempotent)', async (t) => {
  const headers = { 'ce-id': 'order-42' };
  const a = await svc.api('POST', '/v1/functions/echo/invoke', { n: 3 }, headers);
  const b = await svc.api('POST', '/v1/functions/echo/invoke', { n: 3 }, headers);
  t.is(a.body.id, b.body.id);
  t.is(a.body.event_id, 'order-42');
});

test('invoke: unknown function is 404, a bad body is 400', async (t) => {
  const r = await svc.api('POST', '/v1/functions/nope/invoke', {});
  t.is(r.status, 404);
  t.is(r.body.code, 'not_found');
  const bad = await fetch(`${svc.url}/v1/functions/echo/invoke`, { method: 'POST', headers: { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/json' }, body: '{not json' });
  t.is(bad.status, 400);
  t.is(((await bad.json()) as { field: string }).field, 'body');
  const mode = await svc.api('POST', '/v1/functions/echo/invoke?mode=later', {});
  t.is(mode.status, 400);
  t.is(mode.body.field, 'querystring.mode');
});

test('executions list filters by function and status and pages', async (t) => {
  for (let i = 0; i < 3; i++) await svc.api('POST', '/v1/functions/boom/invoke', {});
  const failed = await svc.api('GET', '/v1/executions?function=boom&status=failed&limit=2');
  t.is(failed.status, 200);
  t.is(failed.body.items.length, 2);
  t.true(failed.body.items.every((e: { function: string; status: string }) => e.function === 'boom' && e.status === 'failed'));
  t.truthy(failed.body.next_cursor);
  const next = await svc.api('GET', `/v1/executions?function=boom&status=failed&limit=2&cursor=${failed.body.next_cursor}`);
  t.true(next.body.items.length >= 1);
  t.false(next.body.items.some((e: { id: string }) => failed.body.items.some((f: { id: string }) => f.id === e.id)));
  t.is((await svc.api('GET', '/v1/executions?status=nonsense')).status, 400);
  t.is((await svc.api('GET', '/v1/executions?limit=0')).status, 400);
  t.is((await svc.api('GET', '/v1/executions?cursor=garbage')).status, 400);
  t.is((await svc.api('GET', '/v1/executions/does-not-exist')).status, 404);
  t.is((await svc.api('GET', '/v1/executions/does-not-exist/logs')).status, 404);
});

test('executions of a deleted function stay queryable', async (t) => {
  await createFunction(svc, 'ephemeral', 'exports.handler = () => 7;');
  const r = await svc.api('POST', '/v1/functions/ephemeral/invoke', {});
  t.is(r.body.result, 7);
  await svc.api('DELETE', '/v1/functions/ephemeral');
  const e = await svc.api('GET', `/v1/executions/${r.body.id}`);
  t.is(e.status, 200);
  t.is(e.body.result, 7);
});
