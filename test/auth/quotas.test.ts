/**
 * Quotas per project, each one: a clear 429 quota_exceeded naming the quota, overrides by a
 * service admin, and concurrency that makes executions wait instead of fail.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { startTestService, type TestService } from '../_helpers/service.js';
import { functionForm, RUNTIME } from './_helpers/api-under-test.js';

let svc: TestService;
let projectId: string;
const tag = randomBytes(3).toString('hex');
const hello = 'exports.handler = async () => "hi";';

test.before(async () => {
  svc = await startTestService({ env: { FNSTACK_WORKER_CONCURRENCY: '4' } });
  projectId = (await svc.api('GET', '/v1/accounts/me')).body.project_id;
});
test.after.always(async () => {
  await svc?.close();
});

const create = (name: string, extra: Record<string, unknown> = {}, source = hello) =>
  svc.api('POST', '/v1/functions', functionForm({ name, runtime: RUNTIME, handler: 'index.handler', ...extra }, source));
const setQuotas = (q: Record<string, number>) => svc.api('PUT', `/v1/projects/${projectId}/quotas`, q);

function assertQuota(t: import('ava').ExecutionContext, r: { status: number; body: any }, field: string) {
  t.is(r.status, 429, JSON.stringify(r.body));
  t.is(r.body.code, 'quota_exceeded');
  t.is(r.body.field, field);
  t.regex(r.body.message, /^quota exceeded: /);
}

// Tests share one project: they run one after another.
test.serial('GET quotas: the configured defaults, no overrides, the usage', async (t) => {
  const r = await svc.api('GET', `/v1/projects/${projectId}/quotas`);
  t.is(r.status, 200);
  t.deepEqual(r.body.defaults, { functions: 100, code_bytes: 1024 ** 3, concurrent_executions: 10, executions_per_minute: 600, memory_mb: 2048 });
  t.deepEqual(r.body.limits, r.body.defaults);
  t.deepEqual(r.body.overrides, {});
  t.is(typeof r.body.usage.functions, 'number');
});

test.serial('functions: one too many is refused, naming the quota', async (t) => {
  const before = (await svc.api('GET', `/v1/projects/${projectId}/quotas`)).body.usage.functions;
  t.is((await setQuotas({ functions: before + 1 })).body.limits.functions, before + 1);
  t.is((await create(`q-fn1-${tag}`)).status, 201);
  const r = await create(`q-fn2-${tag}`);
  assertQuota(t, r, 'functions');
  t.regex(r.body.message, new RegExp(`at most ${before + 1} functions`));
  await svc.api('DELETE', `/v1/projects/${projectId}/quotas`);
  t.is((await create(`q-fn2-${tag}`)).status, 201, 'back to the default after the overrides are removed');
});

test.serial('memory_mb: a function (or a new version) larger than the quota is refused', async (t) => {
  await setQuotas({ memory_mb: 256 });
  assertQuota(t, await create(`q-mem-${tag}`, { memory_mb: 512 }), 'memory_mb');
  t.is((await create(`q-mem-${tag}`, { memory_mb: 256 })).status, 201);
  assertQuota(t, await svc.api('PATCH', `/v1/functions/q-mem-${tag}`, { memory_mb: 300 }), 'memory_mb');
  await svc.api('DELETE', `/v1/projects/${projectId}/quotas`);
});

test.serial('code_bytes: a package that would take the project over its total is refused; a package already counted costs nothing', async (t) => {
  const used = (await svc.api('GET', `/v1/projects/${projectId}/quotas`)).body.usage.code_bytes;
  const big = `exports.handler = async () => "${'x'.repeat(2000)}";`;
  await setQuotas({ code_bytes: used + 100 });
  const r = await create(`q-code-${tag}`, {}, big);
  assertQuota(t, r, 'code_bytes');
  t.regex(r.body.message, /this package: \d+/);
  t.is((await create(`q-code-${tag}`, {}, hello)).status, 201, 'the hello package is counted already: it fits');
  await svc.api('DELETE', `/v1/projects/${projectId}/quotas`);
});

test.serial('executions_per_minute: invocations over the rate are refused', async (t) => {
  await create(`q-rate-${tag}`);
  const recent = (await svc.api('GET', `/v1/projects/${projectId}/quotas`)).body.usage.executions_per_minute;
  await setQuotas({ executions_per_minute: recent + 2 });
  t.is((await svc.api('POST', `/v1/functions/q-rate-${tag}/invoke?mode=async`, {})).status, 202);
  t.is((await svc.api('POST', `/v1/functions/q-rate-${tag}/invoke?mode=async`, {})).status, 202);
  assertQuota(t, await svc.api('POST', `/v1/functions/q-rate-${tag}/invoke?mode=async`, {}), 'executions_per_minute');
  await svc.api('DELETE', `/v1/projects/${projectId}/quotas`);
});

test.serial('concurrent_executions: executions over the limit wait in the queue, then all succeed, never overlapping', async (t) => {
  await create(`q-conc-${tag}`, {}, 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 1200)); return "done"; };');
  await setQuotas({ concurrent_executions: 1 });
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await svc.api('POST', `/v1/functions/q-conc-${tag}/invoke?mode=async`, { i })).body.execution_id);
  const deadline = Date.now() + 90_000;
  let finals: any[] = [];
  while (Date.now() < deadline) {
    finals = await Promise.all(ids.map(async (id) => (await svc.api('GET', `/v1/executions/${id}`)).body));
    if (finals.every((e) => ['succeeded', 'failed', 'timed_out'].includes(e.status))) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  t.deepEqual(finals.map((e) => e.status), ['succeeded', 'succeeded', 'succeeded'], JSON.stringify(finals.map((e) => e.error)));
  const spans = finals.map((e) => [Date.parse(e.timings.provisioning_at), Date.parse(e.timings.finished_at)] as const).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) t.true(spans[i]![0] >= spans[i - 1]![1], `execution ${i} started before the previous one finished: ${JSON.stringify(spans)}`);
  await svc.api('DELETE', `/v1/projects/${projectId}/quotas`);
});

test.serial('overrides are for service admins; bad values are 400 naming the field', async (t) => {
  const other = await svc.api('POST', '/v1/projects', { name: `q-other-${tag}` });
  const member = await svc.api('POST', '/v1/accounts', { name: `q-padmin-${tag}`, role: 'admin', project_id: other.body.id });
  const asProjectAdmin = await fetch(`${svc.url}/v1/projects/${projectId}/quotas`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${member.body.api_key.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ functions: 1000 }),
  });
  t.is((await fetch(`${svc.url}/v1/projects/${other.body.id}/quotas`, { method: 'PUT', headers: { authorization: `Bearer ${member.body.api_key.key}`, 'content-type': 'application/json' }, body: '{"functions":1000}' })).status, 403, 'not even for its own project');
  t.is(asProjectAdmin.status, 403, 'an admin of a project that is not the admin project is not a service admin');
  const bad = await setQuotas({ concurrent_executions: 0 });
  t.is(bad.status, 400);
  t.is(bad.body.field, 'concurrent_executions');
  t.is((await svc.api('PUT', '/v1/projects/no-such-project/quotas', { functions: 1 })).status, 404);
});
