/**
 * Hot statements (built once per dialect, run with new arguments) return what the same query
 * built by Kysely returns, keep the constants of their build, are counted, refuse a call whose
 * arguments have another shape, and work inside a transaction's connection too.
 */
import { hotStatement } from '../../service/store/hot-statement.js';
import { statementCounts } from '../../service/store/statement-count.js';
import { DIALECTS } from '../_helpers/dialects.js';
import { storeTest } from '../_helpers/store-test.js';

const insertConsumer = hotStatement((db, row: { id: string; queue: string; seen_at: number }) => db.insertInto('queue_consumers').values(row));
const seenSince = hotStatement((db, a: { since: number }) =>
  db.selectFrom('queue_consumers').select(['id', 'seen_at']).where('queue', 'in', ['work', 'other']).where('seen_at', '>=', a.since).orderBy('id'),
);

for (const d of DIALECTS) {
  storeTest(d, 'a hot statement answers like the query Kysely builds, with its constants, counted, in a transaction too', async (t, store) => {
    const before = statementCounts();
    await insertConsumer.run(store.db, { id: 'a', queue: 'work', seen_at: 10 });
    await insertConsumer.run(store.db, { id: 'b', queue: 'elsewhere', seen_at: 20 });
    await store.db.transaction().execute((trx) => insertConsumer.run(trx, { id: 'c', queue: 'other', seen_at: 30 }).then(() => undefined));
    const after = statementCounts();
    t.true(after.insert - before.insert >= 3, 'each run is counted');
    for (const since of [0, 15, 31]) {
      const built = await store.db.selectFrom('queue_consumers').select(['id', 'seen_at']).where('queue', 'in', ['work', 'other']).where('seen_at', '>=', since).orderBy('id').execute();
      const hot = await seenSince.all(store.db, { since });
      t.deepEqual(hot.map((r) => [r.id, Number(r.seen_at)]), built.map((r) => [r.id, Number(r.seen_at)]), `since ${since}`);
    }
    t.deepEqual((await seenSince.all(store.db, { since: 0 })).map((r) => r.id), ['a', 'c'], "the build's 'in' list is kept");
    await t.throwsAsync(insertConsumer.run(store.db, { id: 'd', queue: 'work' } as never), { message: /shape must not change/ });
  });
}
