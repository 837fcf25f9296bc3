/**
 * The mark that an execution's work is on the queue (what the stall sweeper reads), made off
 * the caller's path: marks of the same moment are one statement, and every one lands.
 */
import { randomUUID } from 'node:crypto';
import type { NewExecutionInput } from '../../service/store/execution-store.js';
import { statementCounts } from '../../service/store/statement-count.js';
import { DIALECTS } from '../_helpers/dialects.js';
import { storeTest } from '../_helpers/store-test.js';

const input = (): NewExecutionInput => ({
  id: randomUUID(),
  projectId: 'p1',
  functionId: 'f-p1',
  functionName: 'f',
  functionVersion: 1,
  event: { specversion: '1.0', id: randomUUID(), source: 'marks-test', type: 't' },
  limits: { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 1, network: true },
});

for (const d of DIALECTS) {
  storeTest(d, 'marks made together are one statement; each lands; a later one is its own', async (t, store) => {
    const made = await Promise.all(Array.from({ length: 5 }, () => store.ledger.createOnce(input())));
    const ids = made.map((m) => m.execution.id);
    const before = statementCounts();
    await Promise.all(ids.slice(0, 4).map((id) => store.ledger.markPublishedSoon(id)));
    t.is(statementCounts().update - before.update, 1, 'four marks, one update');
    await store.ledger.markPublishedSoon(ids[4]!);
    t.is(statementCounts().update - before.update, 2);
    const rows = await store.db.selectFrom('executions').select(['id', 'published_at']).where('id', 'in', ids).execute();
    t.is(rows.length, 5);
    t.true(rows.every((r) => r.published_at !== null), 'every execution is marked');
  });
}
