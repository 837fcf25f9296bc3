/** Results stored apart from the executions row, in chunks; the migration that moves the old ones. */
import { sql, Migrator, type Migration } from 'kysely';
import { migrateToLatest } from '../../service/store/migrate.js';
import * as initial from '../../service/store/migrations/2026-11-26-0001-initial.js';
import * as runnerSessions from '../../service/store/migrations/2026-11-26-0100-runner-sessions.js';
import * as accountsAudit from '../../service/store/migrations/2026-11-26-0200-accounts-audit.js';
import * as triggers from '../../service/store/migrations/2026-11-26-0300-triggers.js';
import { DIALECTS } from '../_helpers/dialects.js';
import { storeTest } from '../_helpers/store-test.js';

const limits = { memory_mb: 128, vcpus: 1, disk_gb: 1, timeout_s: 5, network: true };
const newExecution = (id: string) => ({ id, projectId: 'p1', functionId: 'f1', functionName: 'one', functionVersion: 1, event: { specversion: '1.0' as const, id: `ev-${id}`, source: 's', type: 't' }, limits });
// 1 + 2 + 3 + 4 bytes: the 1 KiB preview and the 1 MiB chunks both end inside characters.
const bigResult = 'aé€😀'.repeat(250_000);

for (const d of DIALECTS) {
  const withStore = (title: string, migrate: boolean, body: Parameters<typeof storeTest>[2]) => storeTest(d, title, body, { migrate });

  withStore('a result is stored in chunks, streamed back whole, previewed at a character boundary, and lists never touch it', true, async (t, store) => {
    await store.ledger.createOnce(newExecution('x1'));
    t.truthy(await store.ledger.finish('x1', null, { status: 'succeeded', result: bigResult, logs: '', logsTruncated: false, startedAt: 0, finishedAt: 0 }));
    const json = Buffer.from(JSON.stringify(bigResult));
    const scope = store.forProject('p1').executions;
    const e = (await scope.get('x1'))!;
    t.is(e.resultBytes, json.length);
    t.true(Buffer.byteLength(e.resultPreview!) <= 1024);
    t.true(Buffer.byteLength(e.resultPreview!) > 1020, 'cut at most a character short');
    t.true(json.toString().startsWith(e.resultPreview!));
    const chunks: Buffer[] = [];
    for await (const c of scope.resultChunks('x1')) chunks.push(c);
    t.is(chunks.length, Math.ceil(json.length / (1024 * 1024)));
    t.true(Buffer.concat(chunks).equals(json));
    t.is(await store.forProject('p2').executions.resultText('x1'), null, "another project's result is not there");

    await sql`DROP TABLE execution_result_chunks`.execute(store.db);
    const page = await scope.list({}, 10, null);
    t.is(page.items[0]?.resultBytes, json.length, 'the list needs no result table at all');
  });

  withStore('a result of at most 1 KiB is its own preview: no chunk rows, read back whole by every route; one byte more is chunked', true, async (t, store) => {
    const scope = store.forProject('p1').executions;
    // 1024 bytes of JSON text exactly, with characters of every width, and one byte more.
    const fits = 'é€😀'.repeat(113) + 'a'.repeat(1024 - 2 - 113 * 9);
    const over = fits + 'a';
    for (const [id, result] of [['fits', fits], ['over', over], ['nul', null]] as const) {
      await store.ledger.createOnce(newExecution(id));
      t.truthy(await store.ledger.finish(id, null, { status: 'succeeded', result, logs: '', logsTruncated: false, startedAt: 0, finishedAt: 0 }));
    }
    const chunkRows = async (id: string) => (await store.db.selectFrom('execution_result_chunks').select('seq').where('execution_id', '=', id).execute()).length;
    t.is(Buffer.byteLength(JSON.stringify(fits)), 1024);
    t.is(await chunkRows('fits'), 0);
    t.is(await chunkRows('nul'), 0);
    t.is(await chunkRows('over'), 1);
    for (const [id, result] of [['fits', fits], ['over', over], ['nul', null]] as const) {
      const json = JSON.stringify(result);
      const e = (await scope.get(id))!;
      t.is(e.resultBytes, Buffer.byteLength(json), id);
      t.is(await scope.resultText(id), json, `${id}: resultText`);
      const chunks: Buffer[] = [];
      for await (const c of scope.resultChunks(id)) chunks.push(c);
      t.is(Buffer.concat(chunks).toString(), json, `${id}: resultChunks`);
      t.is(await store.forProject('p2').executions.resultText(id), null, `${id}: not another project's`);
      const others: Buffer[] = [];
      for await (const c of store.forProject('p2').executions.resultChunks(id)) others.push(c);
      t.is(others.length, 0, `${id}: no chunks for another project`);
    }
  });

  withStore('the migration moves results stored in the executions row', false, async (t, store) => {
    const before: Record<string, Migration> = {
      '2026-11-26-0001-initial': initial,
      '2026-11-26-0100-runner-sessions': runnerSessions,
      '2026-11-26-0200-accounts-audit': accountsAudit,
      '2026-11-26-0300-triggers': triggers,
    };
    const r = await new Migrator({ db: store.db, provider: { getMigrations: async () => before } }).migrateToLatest();
    t.falsy(r.error);
    const old = JSON.stringify({ text: bigResult.slice(0, 100_000) });
    const now = Date.now();
    const row = (id: string, result: string | null) => ({
      id, project_id: 'p1', function_id: 'f1', function_name: 'one', function_version: 1, event_id: `ev-${id}`, event_json: '{}', status: result ? 'succeeded' : 'failed',
      attempts: 1, result_json: result, error_json: null, limits_json: JSON.stringify(limits), placement_json: null, peak_memory_bytes: null, logs: '', logs_truncated: 0,
      worker_id: null, lease_until: null, queued_at: now, provisioning_at: null, running_at: null, finished_at: now, created_at: now, updated_at: now,
    });
    await (store.db as any).insertInto('executions').values([row('old', old), row('none', null)]).execute();
    await migrateToLatest(store.db);
    const scope = store.forProject('p1').executions;
    const e = (await scope.get('old'))!;
    t.is(e.resultBytes, Buffer.byteLength(old));
    t.true(old.startsWith(e.resultPreview!) && Buffer.byteLength(e.resultPreview!) <= 1024);
    t.is(await scope.resultText('old'), old);
    t.is((await scope.get('none'))!.resultBytes, null);
    t.is(await scope.resultText('none'), null);
    const left = await store.db.selectFrom('executions').select('id').where('result_json', 'is not', null).execute();
    t.deepEqual(left, [], 'the executions rows hold no result any more');
  });
}
