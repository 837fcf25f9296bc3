/** A schedule is an ingress the tenant sets the rate of: the operator's minimum interval holds at create and update. */
import test from 'ava';
import { startTestService } from '../_helpers/service.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService } from '../../service/main.js';
import { echoFunction, executionsOf, sleep } from '../triggers/_helpers.js';

const schedule = (name: string, cron: string) => ({ name, function: 'echo', kind: 'schedule', config: { cron } });

test('schedules faster than the operator minimum (default 60 s) are refused with 400 naming config.cron', async (t) => {
  const svc = await startTestService();
  try {
    await echoFunction(svc, 'echo');
    for (const cron of ['* * * * * *', '*/30 * * * * *', '0,1 * * * * *']) {
      const r = await svc.api('POST', '/v1/triggers', schedule('fast', cron));
      t.is(r.status, 400, `${cron}: ${JSON.stringify(r.body)}`);
      t.is(r.body.field, 'config.cron');
      t.regex(r.body.message, /60 s/);
    }
    t.is((await svc.api('POST', '/v1/triggers', schedule('minutely', '* * * * *'))).status, 201);
    const faster = await svc.api('PATCH', '/v1/triggers/minutely', { config: { cron: '*/10 * * * * *' } });
    t.is(faster.status, 400);
    t.is(faster.body.field, 'config.cron');
  } finally {
    await svc.close();
  }
});

test('the operator sets the minimum: at 300 s, every 5 minutes passes and every minute does not', async (t) => {
  const svc = await startTestService({ env: { FNSTACK_SCHEDULE_MIN_INTERVAL_S: '300' } });
  try {
    await echoFunction(svc, 'echo');
    t.is((await svc.api('POST', '/v1/triggers', schedule('every-minute', '* * * * *'))).status, 400);
    t.is((await svc.api('POST', '/v1/triggers', schedule('every-five', '*/5 * * * *'))).status, 201);
  } finally {
    await svc.close();
  }
});

test('a per-second schedule stored under a lower limit does not fire where the limit is 60 s, and says why', async (t) => {
  const api = await startTestService({ role: 'api', env: { FNSTACK_SCHEDULE_MIN_INTERVAL_S: '1' } });
  const dir = await mkdtemp(join(tmpdir(), 'fnstack-sec-sched-'));
  let worker: RunningService | null = null;
  try {
    await echoFunction(api, 'echo');
    t.is((await api.api('POST', '/v1/triggers', schedule('fast', '* * * * * *'))).status, 201);
    worker = await startService({ role: 'worker', port: 0, log: false, env: { FNSTACK_DATA_DIR: dir, FNSTACK_DATABASE_URL: api.databaseUrl } });
    let shown: { last_error: string | null; fire_count: number } = { last_error: null, fire_count: 0 };
    for (let i = 0; i < 300 && !shown.last_error; i++) {
      shown = (await api.api('GET', '/v1/triggers/fast')).body;
      await sleep(200);
    }
    t.regex(String(shown.last_error), /not firing: the schedule is faster than once every 60 s/);
    await sleep(2500);
    t.is((await api.api('GET', '/v1/triggers/fast')).body.fire_count, 0);
    t.is((await executionsOf(api, 'echo')).length, 0);
  } finally {
    await worker?.close();
    await api.close();
    await rm(dir, { recursive: true, force: true });
  }
});
