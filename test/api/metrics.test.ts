/** Prometheus metrics on the operator listener and (service admins only) on the API. */
import test from 'ava';
import { environmentOriginOf } from '../../service/provisioner/provider.js';
import { pollUntil } from '../_helpers/poll.js';
import { createFunction, startTestService, type TestService } from '../_helpers/service.js';

let svc: TestService;
let operator: string;
test.before(async () => {
  svc = await startTestService({ env: { FNSTACK_OPERATOR_PORT: '0' } });
  operator = svc.service.operatorUrl!;
  await createFunction(svc, 'measured', 'exports.handler = async () => 42;');
  await createFunction(svc, 'broken', 'exports.handler = async () => { throw new Error("no"); };');
});
test.after.always(async () => {
  await svc?.close();
});

/** The value of one sample, e.g. sample(text, 'fnstack_queue_depth') or with labels as they are printed. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('the operator listener serves health, readiness and metrics without credentials, on loopback', async (t) => {
  t.regex(operator, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.is((await fetch(`${operator}/health`)).status, 200);
  const ready = await fetch(`${operator}/ready`);
  t.is(ready.status, 200);
  const body = (await ready.json()) as { checks: Record<string, string> };
  t.regex(body.checks.workers ?? '', /^ok: \d+ consuming/);
  t.is((await fetch(`${operator}/nothing`)).status, 404);
});

test('executions are counted by function and status, with stage timings as histograms', async (t) => {
  t.is((await svc.api('POST', '/v1/functions/measured/invoke', {})).body.status, 'succeeded');
  t.is((await svc.api('POST', '/v1/functions/broken/invoke', {})).body.status, 'failed');
  const res = await fetch(`${operator}/metrics`);
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  t.regex(text, /fnstack_executions_total\{project_id="[^"]+",function="measured",status="succeeded",error_kind=""\} 1/);
  t.regex(text, /fnstack_executions_total\{project_id="[^"]+",function="broken",status="failed",error_kind="handler_error"\} 1/);
  t.is(sample(text, 'fnstack_execution_queued_seconds_count'), 2);
  t.is(sample(text, 'fnstack_execution_run_seconds_count{status="succeeded"}'), 1);
  t.is(sample(text, 'fnstack_execution_provisioning_seconds_count{provider="local"}'), 2);
  t.is(sample(text, 'fnstack_queue_depth'), 0);
  t.true((sample(text, 'fnstack_queue_consumers') ?? 0) >= 1);
  t.is(sample(text, 'fnstack_executions_active{status="running"}'), 0);
  t.is(sample(text, 'fnstack_dead_letters_stored'), 0);
  t.not(sample(text, 'fnstack_environments{kind="pool_ready"}'), undefined, 'the local provider reports its pre-started pool');
  t.not(sample(text, 'fnstack_environments{kind="warm_idle"}'), undefined);
  t.regex(text, /# TYPE fnstack_trigger_fires_total counter/);
  t.regex(text, /# TYPE fnstack_dead_letters_total counter/);
});

test('each execution counts how it had its environment: made on its path, pre-started, or warm', async (t) => {
  // A service of its own: the counts are exact.
  const own = await startTestService({ env: { FNSTACK_OPERATOR_PORT: '0', FNSTACK_SANDBOX_POOL_SIZE: '1' } });
  try {
    const metrics = async () => (await fetch(`${own.service.operatorUrl!}/metrics`)).text();
    const origin = (text: string, o: string) => sample(text, `fnstack_execution_environments_total{provider="local",origin="${o}"}`) ?? 0;
    await createFunction(own, 'kept', 'let n = 0; exports.handler = async () => ++n;', { isolation: 'reuse' });
    await createFunction(own, 'once', 'exports.handler = async () => 1;');
    t.is((await own.api('POST', '/v1/functions/kept/invoke', {})).body.result, 1);
    t.is((await own.api('POST', '/v1/functions/kept/invoke', {})).body.result, 2);
    let text = await metrics();
    t.is(origin(text, 'new'), 1, 'the first event of a reuse function starts its sandbox');
    t.is(origin(text, 'warm'), 1, 'the second finds it warm');
    t.is(origin(text, 'pre_started'), 0);
    // The first per-event ask only starts the pool's filling; once a sandbox waits, the next event takes it.
    t.is((await own.api('POST', '/v1/functions/once/invoke', {})).body.status, 'succeeded');
    await pollUntil('a pre-started sandbox', async () => ((sample(await metrics(), 'fnstack_environments{kind="pool_ready"}') ?? 0) > 0 ? true : undefined));
    t.is((await own.api('POST', '/v1/functions/once/invoke', {})).body.status, 'succeeded');
    text = await metrics();
    t.is(origin(text, 'new'), 2);
    t.is(origin(text, 'pre_started'), 1);
    t.is(origin(text, 'warm'), 1);
  } finally {
    await own.close();
  }
});

test('an OpenStack server from the pool counts as pre-started, a booted one as new', (t) => {
  t.is(environmentOriginOf({ provider: 'openstack', details: { pool: 'hit' } }), 'pre_started');
  t.is(environmentOriginOf({ provider: 'openstack', details: { pool: 'miss' } }), 'new');
  t.is(environmentOriginOf({ provider: 'openstack', details: { pool: 'off' } }), 'new');
  t.is(environmentOriginOf({ provider: 'local', details: {}, warm: true, reuse_count: 3 }), 'warm');
});

test('on the API port /metrics needs a service admin: tenants never see other tenants’ function names', async (t) => {
  const anonymous = await fetch(`${svc.url}/metrics`);
  t.is(anonymous.status, 401);
  const admin = await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${svc.apiKey}` } });
  t.is(admin.status, 200);
  t.regex(await admin.text(), /fnstack_queue_depth/);
  // A member of another project is refused.
  const project = await svc.api('POST', '/v1/projects', { name: 'other' });
  t.is(project.status, 201, JSON.stringify(project.body));
  const account = await svc.api('POST', '/v1/accounts', { name: 'tenant', role: 'admin', project_id: project.body.id });
  t.is(account.status, 201, JSON.stringify(account.body));
  const key = account.body.api_key?.secret ?? account.body.api_key?.key;
  t.truthy(key, JSON.stringify(account.body));
  const tenant = await fetch(`${svc.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  t.is(tenant.status, 403);
});
