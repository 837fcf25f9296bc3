/**
 * A function deleted while its executions wait on the queue: they fail, saying why, and never
 * run the deleted code (the worker reads an execution and its version together before it
 * claims it; what it read must not outlive the function).
 */
import test from 'ava';
import { startTestService, functionForm, RUNTIME, type TestService } from '../_helpers/service.js';
import { pollUntil } from '../_helpers/poll.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService({ env: { FNSTACK_WORKER_CONCURRENCY: '1' } });
});
test.after.always(async () => {
  await svc?.close();
});

test('an execution queued for a function deleted meanwhile fails, and its code never runs', async (t) => {
  const slow = 'exports.handler = () => new Promise((r) => setTimeout(() => r(1), 1500));';
  t.is((await svc.api('POST', '/v1/functions', functionForm({ name: 'hold', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: slow }))).status, 201);
  const victim = "exports.handler = () => { console.log('deleted code ran'); return 'ran'; };";
  t.is((await svc.api('POST', '/v1/functions', functionForm({ name: 'victim', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: victim }))).status, 201);

  const hold = await svc.api('POST', '/v1/functions/hold/invoke?mode=async', {});
  t.is(hold.status, 202);
  await pollUntil('the only slot to be taken', async () => ((await svc.api('GET', `/v1/executions/${hold.body.execution_id}`)).body?.status === 'running' ? true : undefined));
  const queued = await svc.api('POST', '/v1/functions/victim/invoke?mode=async', {});
  t.is(queued.status, 202);
  t.is((await svc.api('DELETE', '/v1/functions/victim')).status, 204);

  const done = await pollUntil('the queued execution to end', async () => {
    const r = await svc.api('GET', `/v1/executions/${queued.body.execution_id}`);
    return ['succeeded', 'failed', 'timed_out'].includes(r.body?.status) ? r.body : undefined;
  });
  t.is(done.status, 'failed');
  t.regex(done.error?.message ?? '', /victim version 1 no longer exists/);
  t.is(done.result ?? null, null);
  const logs = await svc.api('GET', `/v1/executions/${queued.body.execution_id}/logs`);
  t.notRegex(JSON.stringify(logs.body), /deleted code ran/);
});
