/**
 * The executions-per-minute window (`execution_rate`): exact at the quota whatever the rate,
 * executions older than the window stop counting, replays never count, one project's rate
 * is not another's, concurrent creators never overshoot, and old seconds are dropped.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { NewExecutionInput } from '../../service/store/execution-store.js';
import { DIALECTS } from '../_helpers/dialects.js';
import { storeTest } from '../_helpers/store-test.js';
import { Store } from '../../service/store/store.js';
import { statementCounts } from '../../service/store/statement-count.js';

const input = (projectId: string, eventId: string = randomUUID()): NewExecutionInput => ({
  id: randomUUID(),
  projectId,
  functionId: `f-${projectId}`,
  functionName: 'f',
  functionVersion: 1,
  event: { specversion: '1.0', id: eventId, source: 'rate-test', type: 't' },
  limits: { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 1, network: true },
});

for (const d of DIALECTS) {
  const withStore = (title: string, body: Parameters<typeof storeTest>[2]) => storeTest(d, title, body);

  withStore('the quota admits exactly its limit in a minute; a replay is not counted; another project has its own', async (t, store) => {
    const now = Date.now();
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await store.ledger.createWithinQuota(input('p1'), 5, now + i));
    t.deepEqual(results.map((r) => r.execution !== undefined && r.created), [true, true, true, true, true, false, false]);
    t.like(results[6], { overQuota: { recent: 5, limit: 5 } });
    const first = results[0]!.execution;
    if (!first) return t.fail('the first was refused');
    const replay = await store.ledger.createWithinQuota({ ...input('p1', first.event.id), id: randomUUID() }, 5, now + 10);
    t.like(replay, { created: false, execution: { id: first.id } }, 'a replayed event gets its execution whatever the quota');
    t.is(await store.forProject('p1').quotas.executionsInLastMinute(now + 10), 5);
    t.true('execution' in (await store.ledger.createWithinQuota(input('p2'), 5, now + 10)), 'p2 is not held by p1’s rate');
  });

  withStore('executions older than the minute stop counting, and their seconds are dropped', async (t, store) => {
    const start = Date.now() - 10 * 60_000;
    for (let i = 0; i < 3; i++) t.true('execution' in (await store.ledger.createWithinQuota(input('p1'), 3, start + i * 1000)));
    t.like(await store.ledger.createWithinQuota(input('p1'), 3, start + 30_000), { overQuota: { recent: 3 } });
    const later = start + 3 * 1000 + 61_000;
    t.true('execution' in (await store.ledger.createWithinQuota(input('p1'), 3, later)), 'a minute later the window is free again');
    t.is(await store.forProject('p1').quotas.executionsInLastMinute(later), 1);
    const seconds = await store.db.selectFrom('execution_rate').select(['second', 'n']).where('project_id', '=', 'p1').execute();
    t.deepEqual(seconds.filter((s) => Number(s.second) < Math.floor((later - 60_000) / 1000)), [], 'the seconds that left the window are gone');
    t.deepEqual(seconds.filter((s) => Number(s.n) > 0).map((s) => Number(s.second)), [Math.floor(later / 1000)], 'only the admitted execution counts (the refused one gave its count back)');
  });

  withStore('concurrent creators never overshoot', async (t, store) => {
    const made = await Promise.all(Array.from({ length: 40 }, () => store.ledger.createWithinQuota(input('p1'), 25)));
    t.is(made.filter((r) => r.execution !== undefined && r.created).length, 25);
    t.is(await store.forProject('p1').quotas.executionsInLastMinute(), 25);
  });

  // Two processes share a MariaDB; the embedded SQLite store has one.
  if (d.name === 'mariadb') withStore('two stores racing (as two processes do) admit exactly the room left, round after round, and leave no stray counts', async (t, store, url) => {
    const other = await Store.open(url, { migrate: false });
    try {
      let admitted = 0;
      for (const [burst, limit] of [[30, 7], [30, 19], [50, 45], [10, 45]] as const) {
        const made = await Promise.all(Array.from({ length: burst }, (_, i) => (i % 2 ? store : other).ledger.createWithinQuota(input('p1'), limit)));
        const now = made.filter((r) => r.execution !== undefined && r.created).length;
        admitted += now;
        t.is(admitted, Math.min(limit, admitted - now + burst), `a burst of ${burst} under ${limit}`);
        t.true(made.every((r) => r.execution !== undefined || r.overQuota.recent >= limit), 'every refusal saw the minute full');
        t.is(await store.forProject('p1').quotas.executionsInLastMinute(), admitted, 'the counters hold the admitted executions only');
      }
    } finally {
      await other.close();
    }
  });

  // One process's admissions on MariaDB go in groups while one is in flight (admission-groups.ts).
  if (d.name === 'mariadb') {
    withStore('a burst of one process’s admissions is created in groups: fewer statements than one admission’s each, every execution once', async (t, store) => {
      const before = statementCounts().total;
      const made = await Promise.all(Array.from({ length: 40 }, () => store.ledger.createWithinQuota(input('p1'), 1000)));
      const statements = statementCounts().total - before;
      t.true(made.every((r) => r.execution !== undefined && r.created && !r.claimed));
      t.true(statements < 3 * 40, `${statements} statements for 40 admissions (alone each takes 3)`);
      const rows = await store.db.selectFrom('executions').select(['id', 'status', 'event_id']).where('project_id', '=', 'p1').execute();
      t.deepEqual(rows.map((r) => r.id).sort(), made.map((r) => r.execution!.id).sort(), 'the rows are the executions answered');
      t.true(rows.every((r) => r.status === 'queued'));
      t.is(await store.forProject('p1').quotas.executionsInLastMinute(), 40);
    });

    withStore('the same event twice in a burst is created once: the other gets it as a replay, not counted', async (t, store) => {
      const twice = randomUUID();
      const made = await Promise.all([input('p1'), input('p1', twice), input('p1'), input('p1', twice), input('p1')].map((i) => store.ledger.createWithinQuota(i, 1000)));
      t.deepEqual(made.map((r) => r.execution !== undefined && r.created), [true, true, true, false, true]);
      t.is(made[3]!.execution!.id, made[1]!.execution!.id, 'the replay gets the first one’s execution');
      t.is(Number((await store.db.selectFrom('executions').select((eb) => eb.fn.countAll().as('n')).where('event_id', '=', twice).executeTakeFirst())?.n), 1);
      t.is(await store.forProject('p1').quotas.executionsInLastMinute(), 4);
    });

    withStore('a burst holding a replay of a recorded event: the replay gets its execution, the others are created, only they count', async (t, store) => {
      const old = await store.ledger.createWithinQuota(input('p1'), 1000);
      const replay = { ...input('p1', old.execution!.event.id) };
      const made = await Promise.all([input('p1'), input('p1'), replay, input('p1')].map((i) => store.ledger.createWithinQuota(i, 1000)));
      t.deepEqual(made.map((r) => r.execution !== undefined && r.created), [true, true, false, true]);
      t.is(made[2]!.execution!.id, old.execution!.id);
      t.is(await store.forProject('p1').quotas.executionsInLastMinute(), 4);
    });

    withStore('a burst larger than the room left: exactly the room is admitted, every refusal saw the minute full', async (t, store) => {
      await Promise.all(Array.from({ length: 5 }, () => store.ledger.createWithinQuota(input('p1'), 12)));
      const made = await Promise.all(Array.from({ length: 20 }, () => store.ledger.createWithinQuota(input('p1'), 12)));
      t.is(made.filter((r) => r.execution !== undefined).length, 7);
      t.true(made.every((r) => r.execution !== undefined || r.overQuota.recent >= 12));
      t.is(await store.forProject('p1').quotas.executionsInLastMinute(), 12);
    });

    withStore('a burst of events larger together than the database’s packet limit: each is created (a group is bounded in bytes)', async (t, store) => {
      const packet = Number((await sql<{ p: number | bigint }>`select @@max_allowed_packet as p`.execute(store.db)).rows[0]!.p);
      const MiB = 1024 * 1024;
      // One statement holding them all would be refused by the server, failing every member.
      const n = Math.ceil(packet / MiB) + 4;
      const big = (i: NewExecutionInput) => ({ ...i, event: { ...i.event, data: 'x'.repeat(MiB) } });
      const made = await Promise.all(Array.from({ length: n }, () => store.ledger.createWithinQuota(big(input('p1')), 1000)));
      t.true(made.every((r) => r.execution !== undefined && r.created));
      t.is(await store.forProject('p1').quotas.executionsInLastMinute(), n);
    });
  }

  withStore('the project’s own quota is the limit, read at admission; the default is for projects without one', async (t, store) => {
    await store.forProject('p1').quotas.setOverrides({ executionsPerMinute: 2 });
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await store.ledger.createWithinQuota(input('p1'), 1000));
    t.deepEqual(made.map((r) => r.execution !== undefined), [true, true, false]);
    t.like(made[2], { overQuota: { recent: 2, limit: 2 } });
    t.true('execution' in (await store.ledger.createWithinQuota(input('p2'), 1000)), 'p2 has no quota of its own: the default');
    await store.forProject('p1').quotas.setOverrides({ executionsPerMinute: 3 });
    t.true('execution' in (await store.ledger.createWithinQuota(input('p1'), 1000)), 'a raised quota holds at once');
    await store.forProject('p1').quotas.setOverrides({ functions: 9 });
    t.true('execution' in (await store.ledger.createWithinQuota(input('p1'), 4)), 'another quota overridden: the default again');
    t.like(await store.ledger.createWithinQuota(input('p1'), 4), { overQuota: { recent: 4, limit: 4 } });
  });

  withStore('executions made without the quota (createOnce) count too', async (t, store) => {
    for (let i = 0; i < 3; i++) await store.ledger.createOnce(input('p1'));
    t.is(await store.forProject('p1').quotas.executionsInLastMinute(), 3);
    t.like(await store.ledger.createWithinQuota(input('p1'), 3), { overQuota: { recent: 3, limit: 3 } });
  });
}
