/**
 * `isolation: reuse` and the pre-started pool through the whole service: every execution is
 * still recorded (status, result, logs, placement), module scope lives on between events of
 * one version only, and an update (a new version) starts from scratch.
 */
import test from 'ava';
import { startTestService, createFunction, type TestService } from '../_helpers/service.js';

let svc: TestService;
const COUNTER = 'let n = 0; exports.handler = async (event) => { n++; console.log("n", n); return { n, v: process.env.FNSTACK_FUNCTION_VERSION }; };';
test.before(async () => {
  svc = await startTestService({ env: { FNSTACK_SANDBOX_POOL_SIZE: '1' } });
  await createFunction(svc, 'warm', COUNTER, { isolation: 'reuse' });
  await createFunction(svc, 'cold', COUNTER);
});
test.after.always(async () => {
  await svc?.close();
});

test.serial('reuse: sync invokes share module scope, and each one is recorded with its own logs and placement', async (t) => {
  const seen: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await svc.api('POST', '/v1/functions/warm/invoke', { i });
    t.is(r.status, 200, JSON.stringify(r.body));
    t.is(r.body.status, 'succeeded');
    seen.push(r.body.result.n);
    t.is(r.body.placement.warm, i > 0);
    t.is(r.body.placement.reuse_count, i);
    const logs = await svc.api('GET', `/v1/executions/${r.body.id}/logs`);
    t.is(logs.body.logs, `n ${i + 1}\n`);
  }
  t.deepEqual(seen, [1, 2, 3]);
  const list = await svc.api('GET', '/v1/executions?function=warm');
  t.is(list.status, 200);
});

test.serial('reuse: a new version gets a new sandbox', async (t) => {
  const before = await svc.api('POST', '/v1/functions/warm/invoke', {});
  t.true(before.body.result.n >= 1);
  const up = await svc.api('PATCH', '/v1/functions/warm', { timeout_s: 20 });
  t.true(up.status === 200 || up.status === 201, JSON.stringify(up.body));
  const after = await svc.api('POST', '/v1/functions/warm/invoke', {});
  t.is(after.body.status, 'succeeded', JSON.stringify(after.body));
  t.is(after.body.result.n, 1);
  t.not(after.body.result.v, before.body.result.v);
  t.is(after.body.placement.reuse_count, 0);
});

test.serial('per-event: every invoke starts from scratch, pre-started or not', async (t) => {
  for (let i = 0; i < 3; i++) {
    const r = await svc.api('POST', '/v1/functions/cold/invoke', {});
    t.is(r.body.status, 'succeeded', JSON.stringify(r.body));
    t.is(r.body.result.n, 1);
    t.is(r.body.placement.warm, false);
    t.is(r.body.placement.reuse_count, 0);
  }
});
