/** WAL checkpoints in a worker thread: the service's connection writes, the worker copies into the database file. */
import test from 'ava';
import Database from 'better-sqlite3';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKSTOP_PAGES, startCheckpointer } from '../../service/store/sqlite-checkpointer.js';
import { pollUntil } from '../_helpers/poll.js';

async function walDb(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'fnstack-ckpt-'));
  const path = join(dir, 'store.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table t (n integer primary key, body text)');
  t.teardown(async () => {
    if (db.open) db.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { db, path };
}

test('the worker copies the WAL into the database file while the connection only writes', async (t) => {
  const { db, path } = await walDb(t);
  const ckpt = startCheckpointer(db, path, 50);
  t.is(db.pragma('wal_autocheckpoint', { simple: true }), BACKSTOP_PAGES);
  const before = (await stat(path)).size;
  // ~2 MB: far below the connection's own backstop, so only the worker can put it in the file
  const insert = db.prepare('insert into t (body) values (?)');
  for (let i = 0; i < 2000; i++) insert.run('x'.repeat(1000));
  await pollUntil('the rows in the database file', async () => ((await stat(path)).size > before + 1_500_000 ? true : undefined), { everyMs: 50 });
  await ckpt.close();
  t.is((db.prepare('select count(*) as n from t').get() as { n: number }).n, 2000);
});

test('without the worker the same writes stay in the WAL (what the test above would see if it did nothing)', async (t) => {
  const { db, path } = await walDb(t);
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const before = (await stat(path)).size;
  const insert = db.prepare('insert into t (body) values (?)');
  for (let i = 0; i < 2000; i++) insert.run('x'.repeat(1000));
  await new Promise((r) => setTimeout(r, 500));
  t.true((await stat(path)).size < before + 1_500_000);
});

test('when the worker cannot run, the connection goes back to SQLite’s own checkpoints', async (t) => {
  const { db } = await walDb(t);
  const ckpt = startCheckpointer(db, '/nonexistent/fnstack/store.db', 50);
  await pollUntil('the default of 1000 pages', async () => (db.pragma('wal_autocheckpoint', { simple: true }) === 1000 ? true : undefined), { everyMs: 50 });
  t.is(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
  await ckpt.close();
});
