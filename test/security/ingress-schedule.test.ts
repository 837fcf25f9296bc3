/** A schedule is an ingress the tenant sets the rate of: the operator's minimum interval holds at create and update. */
import test from 'ava';
import { startTestService } from '../_helpers/service.js';
import { echoFunction } from '../triggers/_helpers.js';

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
