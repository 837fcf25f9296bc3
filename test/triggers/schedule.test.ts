/**
 * `schedule` triggers: a per-second cron runs its function on each dialect; two worker processes
 * on one MariaDB database fire each tick once; missed ticks follow the catch-up policy.
 */
import test from 'ava';
import { startService, type RunningService } from '../../service/main.js';
import { startTestService } from '../_helpers/service.js';
import { TriggerCatalog } from '../../service/store/trigger-store.js';
import { Store } from '../../service/store/store.js';
import { DIALECTS, TEST_SECRETS_KEY, databaseOn, echoFunction, executionsOf, serviceOn, settledExecutions, sleep, waitForExecutions, type ExecutionJson } from './_helpers.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The event a run received ({} for a run that failed: its status is asserted separately). */
const eventOf = (e: ExecutionJson) => (e.result?.event ?? {}) as Record<string, unknown>;
const statuses = (all: ExecutionJson[]) => JSON.stringify(all.map((e) => e.status));
/** Per-second schedules need the operator's minimum interval lowered (default 60 s). */
const PER_SECOND = { FNSTACK_SCHEDULE_MIN_INTERVAL_S: '1' };

for (const dialect of DIALECTS) {
  test(`${dialect}: a per-second schedule runs its function once per tick`, async (t) => {
    const ts = await serviceOn(t, dialect, { env: PER_SECOND });
    if (!ts) return;
    try {
      await echoFunction(ts, 'tick');
      const r = await ts.api('POST', '/v1/triggers', { name: 'every-second', function: 'tick', kind: 'schedule', config: { cron: '* * * * * *', timezone: 'Europe/Berlin', data: { job: 'cleanup' } } });
      t.is(r.status, 201, JSON.stringify(r.body));
      t.like(r.body.config, { cron: '* * * * * *', timezone: 'Europe/Berlin', catch_up: 'skip', data: { job: 'cleanup' } });
      await waitForExecutions(ts, 'tick', 2);
      await ts.api('POST', '/v1/triggers/every-second/disable');
      // A tick fired just before the disable is routed after it and runs nothing (the router's gate).
      const all = await settledExecutions(ts, 'tick', 2);
      const ticks = await new TriggerCatalog(ts.store.db).ticksOf(r.body.id);
      t.true(all.every((e) => e.status === 'succeeded'), statuses(all));
      t.true(all.length <= ticks.length, `${all.length} executions for ${ticks.length} ticks`);
      const tickTimes = new Set(ticks.map((x) => new Date(x.tickAt).toISOString()));
      t.true(all.every((e) => tickTimes.has(eventOf(e).time as string)), 'every run is one of the ticks');
      t.is(new Set(all.map((e) => eventOf(e).time)).size, all.length, 'each tick ran once');
      t.is(new Set(all.map((e) => e.event_id)).size, all.length);
      const ev = eventOf(all[0]!);
      t.is(ev.type, 'fnstack.schedule');
      t.deepEqual(ev.data, { job: 'cleanup' });
      t.is(new Date(ev.time as string).getMilliseconds(), 0); // the tick itself, on the second
      t.is((await ts.api('GET', '/v1/triggers/every-second')).body.fire_count, all.length);
    } finally {
      await ts.close();
    }
  });
}

test('mariadb: two worker processes on one database fire each tick exactly once', async (t) => {
  const db = await databaseOn(t, 'mariadb');
  if (!db) return;
  const env = { FNSTACK_DATABASE_URL: db.url, FNSTACK_SECRETS_KEY: TEST_SECRETS_KEY, ...PER_SECOND };
  const api = await startTestService({ role: 'api', env });
  const dirs: string[] = [];
  const workers: RunningService[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'fnstack-trg-worker-'));
      dirs.push(dir);
      workers.push(await startService({ role: 'worker', port: 0, env: { ...env, FNSTACK_DATA_DIR: dir }, log: false }));
    }
    await echoFunction(api, 'twice');
    const r = await api.api('POST', '/v1/triggers', { name: 'per-second', function: 'twice', kind: 'schedule', config: { cron: '* * * * * *' } });
    t.is(r.status, 201);
    await waitForExecutions(api, 'twice', 4);
    await api.api('POST', '/v1/triggers/per-second/disable');
    // Ticks fired just before the disable are routed after it and run nothing (the router's gate).
    const all = await settledExecutions(api, 'twice', 4);
    const store = await Store.open(db.url);
    try {
      const ticks = await new TriggerCatalog(store.db).ticksOf(r.body.id);
      t.true(ticks.length >= 4, `ticks: ${ticks.length}`);
      const claimers = new Set(ticks.map((x) => x.claimedBy));
      t.log(`${ticks.length} ticks, claimed by ${claimers.size} worker(s): ${[...claimers].join(', ')}`);
      t.true([...claimers].every((c) => workers.some((w) => w.workerId === c)));
      // Consecutive seconds, none twice.
      t.is(new Set(ticks.map((x) => x.tickAt)).size, ticks.length);
      t.true(all.every((e) => e.status === 'succeeded'), statuses(all));
      t.true(all.length <= ticks.length, `${all.length} executions for ${ticks.length} ticks`);
      const tickTimes = new Set(ticks.map((x) => new Date(x.tickAt).toISOString()));
      t.true(all.every((e) => tickTimes.has(eventOf(e).time as string)), 'every run is one of the ticks');
      t.is(new Set(all.map((e) => eventOf(e).time)).size, all.length, 'each tick ran once');
    } finally {
      await store.close();
    }
  } finally {
    for (const w of workers) await w.close();
    await api.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    await db.drop();
  }
});

for (const dialect of DIALECTS) {
  test(`${dialect}: missed ticks are skipped, or run once, as the trigger says`, async (t) => {
    const db = await databaseOn(t, dialect);
    if (!db) return;
    const env = { FNSTACK_DATABASE_URL: db.url, FNSTACK_SECRETS_KEY: TEST_SECRETS_KEY };
    // Only the API runs at first: no scheduler, as if the workers were down.
    const api = await startTestService({ role: 'api', env });
    const dir = await mkdtemp(join(tmpdir(), 'fnstack-trg-worker-'));
    let worker: RunningService | null = null;
    const store = await Store.open(db.url);
    try {
      await echoFunction(api, 'caught-up');
      await echoFunction(api, 'skipped');
      for (const [name, fn, catchUp] of [['run-once', 'caught-up', 'run-once'], ['skip', 'skipped', 'skip']] as const) {
        const r = await api.api('POST', '/v1/triggers', { name, function: fn, kind: 'schedule', config: { cron: '0 0 * * * *', catch_up: catchUp } });
        t.is(r.status, 201);
      }
      // Pretend the triggers were made (and last fired) three hours ago: at least two hourly ticks were missed.
      const past = Date.now() - 3 * 3600_000;
      await (store.db as any).updateTable('triggers').set({ enabled_at: past, updated_at: past, created_at: past }).execute();
      const latestMissed = Math.floor(Date.now() / 3600_000) * 3600_000;
      worker = await startService({ role: 'worker', port: 0, env: { ...env, FNSTACK_DATA_DIR: dir }, log: false });
      const [caught] = await waitForExecutions(api, 'caught-up', 1);
      t.is(caught!.status, 'succeeded');
      const ev = eventOf(caught!);
      t.is(ev.fnstackcatchup, true);
      const hour = new Date(ev.time as string);
      t.is(hour.getUTCMinutes(), 0);
      t.true(hour.getTime() >= latestMissed, `the latest missed tick (${latestMissed}), not an older one: ${hour.toISOString()}`);
      await sleep(3000);
      t.is((await executionsOf(api, 'caught-up')).length, 1, 'run once, not once per missed tick');
      t.is((await executionsOf(api, 'skipped')).length, 0);
    } finally {
      await worker?.close();
      await api.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
      await db.drop();
    }
  });
}
