/**
 * The executions-per-minute quota counts executions, not requests, at every door: a batch of
 * events, one event fanned out to many triggers, webhooks, schedules, work that reaches the
 * orchestrator without the API (AMQP ingress, tenant brokers, notifications), and invokes
 * racing each other.
 */
import test from 'ava';
import { startTestService, createFunction, type TestService } from '../_helpers/service.js';
import { requireService } from '../_helpers/requirements.js';
import { mariadbAvailable } from '../_helpers/mariadb.js';
import { Store } from '../../service/store/store.js';
import { ECHO, callApi, echoFunction, executionsOf, sleep } from '../triggers/_helpers.js';
import { startService } from '../../service/main.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const quota = (n: number, extra: Record<string, string> = {}) => ({ env: { FNSTACK_QUOTA_EXECUTIONS_PER_MINUTE: String(n), ...extra } });

const cloudEvent = (id: string, type: string) => ({ specversion: '1.0', id, source: 'quota-test', type, data: {} });

async function postEvents(svc: TestService, events: unknown[]) {
  const res = await fetch(`${svc.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify(events),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function allExecutions(svc: TestService): Promise<unknown[]> {
  return (await svc.api('GET', '/v1/executions?limit=500')).body.items as unknown[];
}

async function projectOf(svc: TestService): Promise<string> {
  const store = await Store.open(svc.databaseUrl, { migrate: false });
  try {
    return (await store.accounts.adminProjectId())!;
  } finally {
    await store.close();
  }
}

test('a batch of 100 events under a quota of 5 is refused whole (429 naming the quota) and starts nothing', async (t) => {
  const svc = await startTestService(quota(5));
  try {
    await echoFunction(svc, 'echo');
    t.is((await svc.api('POST', '/v1/triggers', { name: 'batch', function: 'echo', kind: 'event', config: { pattern: 'batch.*' } })).status, 201);
    const r = await postEvents(svc, Array.from({ length: 100 }, (_, i) => cloudEvent(`b-${i}`, 'batch.item')));
    t.is(r.status, 429, JSON.stringify(r.body));
    t.is(r.body.code, 'quota_exceeded');
    t.is(r.body.field, 'executions_per_minute');
    await sleep(2000);
    t.is((await allExecutions(svc)).length, 0);
    // Five fit; the sixth does not.
    t.is((await postEvents(svc, Array.from({ length: 5 }, (_, i) => cloudEvent(`ok-${i}`, 'batch.item')))).status, 202);
    for (let i = 0; i < 100 && (await allExecutions(svc)).length < 5; i++) await sleep(200);
    t.is((await postEvents(svc, [cloudEvent('one-more', 'batch.item')])).status, 429);
    await sleep(1500);
    t.is((await allExecutions(svc)).length, 5);
  } finally {
    await svc.close();
  }
});

test('one event fanned out to 5 triggers under a quota of 3 is refused, not run 5 times', async (t) => {
  const svc = await startTestService(quota(3));
  try {
    for (let i = 0; i < 5; i++) {
      await createFunction(svc, `fan-${i}`, ECHO);
      t.is((await svc.api('POST', '/v1/triggers', { name: `fan-${i}`, function: `fan-${i}`, kind: 'event', config: { pattern: 'fan.out' } })).status, 201);
    }
    const r = await postEvents(svc, [cloudEvent('fan-1', 'fan.out')]);
    t.is(r.status, 429);
    t.is(r.body.field, 'executions_per_minute');
    await sleep(2000);
    t.is((await allExecutions(svc)).length, 0);
  } finally {
    await svc.close();
  }
});

test('work reaching the orchestrator without the API (AMQP ingress, tenant brokers, notifications) starts at most the quota; the trigger says why the rest was dropped', async (t) => {
  const svc = await startTestService(quota(3));
  try {
    await echoFunction(svc, 'echo');
    t.is((await svc.api('POST', '/v1/triggers', { name: 'flood', function: 'echo', kind: 'event', config: { pattern: 'flood' } })).status, 201);
    const projectId = await projectOf(svc);
    for (let i = 0; i < 10; i++) await svc.injectWork(JSON.stringify({ kind: 'event', projectId, event: cloudEvent(`f-${i}`, 'flood') }));
    let trigger: any;
    for (let i = 0; i < 300; i++) {
      trigger = (await svc.api('GET', '/v1/triggers/flood')).body;
      if (trigger.fire_count + (trigger.last_error ? 7 : 0) >= 10) break;
      await sleep(200);
    }
    await sleep(1500);
    t.is((await executionsOf(svc, 'echo')).length, 3);
    trigger = (await svc.api('GET', '/v1/triggers/flood')).body;
    t.is(trigger.fire_count, 3);
    t.regex(String(trigger.last_error), /quota exceeded: executions_per_minute/);
  } finally {
    await svc.close();
  }
});

test('webhooks: calls past the quota are refused with 429, and never start more than the quota', async (t) => {
  const svc = await startTestService(quota(3));
  try {
    await echoFunction(svc, 'echo');
    const hook = (await svc.api('POST', '/v1/triggers', { name: 'hook', function: 'echo', kind: 'http' })).body;
    const call = (i: number) =>
      fetch(`${svc.url}/v1/hooks/${hook.id}`, { method: 'POST', headers: { 'x-fnstack-secret': hook.secret, 'content-type': 'application/json', 'ce-id': `h-${i}` }, body: '{}' });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await call(i)).status);
    await sleep(2000);
    const last = await call(99);
    t.is(last.status, 429);
    t.is(((await last.json()) as any).field, 'executions_per_minute');
    t.true(statuses.every((s) => s === 202 || s === 429), statuses.join(','));
    t.is((await executionsOf(svc, 'echo')).length, 3);
  } finally {
    await svc.close();
  }
});

test('a per-second schedule under a quota of 2 starts 2 executions, and says why it stopped', async (t) => {
  const svc = await startTestService(quota(2, { FNSTACK_SCHEDULE_MIN_INTERVAL_S: '1' }));
  try {
    await echoFunction(svc, 'echo');
    t.is((await svc.api('POST', '/v1/triggers', { name: 'tick', function: 'echo', kind: 'schedule', config: { cron: '* * * * * *' } })).status, 201);
    let trigger: any;
    for (let i = 0; i < 300; i++) {
      trigger = (await svc.api('GET', '/v1/triggers/tick')).body;
      if (/quota/.test(String(trigger.last_error))) break;
      await sleep(200);
    }
    await sleep(3000);
    await svc.api('POST', '/v1/triggers/tick/disable');
    await sleep(1000);
    t.regex(String((await svc.api('GET', '/v1/triggers/tick')).body.last_error), /quota exceeded: executions_per_minute/);
    t.is((await executionsOf(svc, 'echo')).length, 2);
  } finally {
    await svc.close();
  }
});

for (const dialect of ['sqlite', 'mariadb'] as const) {
  test(`${dialect}: 40 invokes at once through two API instances under a quota of 5 start exactly 5`, async (t) => {
    if (dialect === 'mariadb' && !requireService(t, 'MariaDB', await mariadbAvailable())) return;
    const svc = await startTestService({ dialect, ...quota(5) });
    // A second API instance on the same database, with its own connections (as behind a load balancer).
    const dir = await mkdtemp(join(tmpdir(), 'fnstack-sec-api-'));
    const second = await startService({ role: 'api', port: 0, log: false, env: { FNSTACK_DATA_DIR: dir, FNSTACK_DATABASE_URL: svc.databaseUrl, FNSTACK_QUOTA_EXECUTIONS_PER_MINUTE: '5' } });
    try {
      await echoFunction(svc, 'echo');
      const invoke = (i: number) => callApi(i % 2 ? second.url! : svc.url, svc.apiKey, 'POST', '/v1/functions/echo/invoke?mode=async', {});
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => invoke(i)));
      const statuses = answers.map((a) => a.status).sort();
      t.is(statuses.filter((s) => s === 202).length, 5, statuses.join(','));
      t.is(statuses.filter((s) => s === 429).length, 35);
      t.true(answers.filter((a) => a.status === 429).every((a) => a.body.field === 'executions_per_minute'));
      t.is((await executionsOf(svc, 'echo')).length, 5);
    } finally {
      await second.close();
      await svc.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
