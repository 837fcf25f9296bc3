/**
 * Fair across projects: a lone execution of project B does not wait behind project A's
 * backlog (FIFO would run all of A's first); each project waits only behind its own share.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { startTestService, functionForm, RUNTIME, type TestService } from '../_helpers/service.js';
import { pollUntil } from '../_helpers/poll.js';

let svc: TestService;
test.before(async () => {
  svc = await startTestService({ env: { FNSTACK_WORKER_CONCURRENCY: '1' } });
});
test.after.always(async () => {
  await svc?.close();
});

test('a lone execution of one project runs before another project’s backlog drains', async (t) => {
  const tag = randomBytes(3).toString('hex');
  const p = await svc.api('POST', '/v1/projects', { name: `b-${tag}` });
  t.is(p.status, 201, JSON.stringify(p.body));
  const acct = await svc.api('POST', '/v1/accounts', { name: `bob-${tag}`, role: 'admin', project_id: p.body.id });
  t.is(acct.status, 201, JSON.stringify(acct.body));
  const asB = async (method: string, path: string, body?: unknown) => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${acct.body.api_key.key}` } };
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(svc.url + path, init);
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };

  const slow = 'exports.handler = () => new Promise((r) => setTimeout(() => r(1), 150));';
  t.is((await svc.api('POST', '/v1/functions', functionForm({ name: 'flood', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: slow }))).status, 201);
  t.is((await asB('POST', '/v1/functions', functionForm({ name: 'lone', runtime: RUNTIME, handler: 'index.handler' }, { name: 'index.js', content: 'exports.handler = () => 2;' }))).status, 201);

  const flood: string[] = [];
  for (let i = 0; i < 16; i++) {
    const r = await svc.api('POST', '/v1/functions/flood/invoke?mode=async', { i });
    t.is(r.status, 202);
    flood.push(r.body.execution_id);
  }
  const lone = await asB('POST', '/v1/functions/lone/invoke?mode=async', {});
  t.is(lone.status, 202);

  const done = await pollUntil('the lone execution to finish', async () => {
    const r = await asB('GET', `/v1/executions/${lone.body.execution_id}`);
    return r.body?.status === 'succeeded' ? r.body : undefined;
  });
  const finishedAt = Date.parse(done.timings.finished_at);
  const flooded = await Promise.all(
    flood.map(async (id) => {
      const r = await pollUntil(`flood execution ${id}`, async () => {
        const e = await svc.api('GET', `/v1/executions/${id}`);
        return e.body?.status === 'succeeded' ? e.body : undefined;
      });
      return Date.parse(r.timings.finished_at);
    }),
  );
  const after = flooded.filter((f) => f > finishedAt).length;
  t.log(`${after} of ${flood.length} of the flood finished after the lone execution`);
  t.true(after >= flood.length / 2, `only ${after} of the flood finished after the lone execution: it waited behind the backlog`);
});
