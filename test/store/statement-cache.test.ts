/** The SQLite statement cache: the same statement object for the same SQL, never one still busy iterating. */
import test from 'ava';
import Database from 'better-sqlite3';
import { cachingStatements } from '../../service/store/statement-cache.js';

test('the same SQL gets the same statement; a busy one is not handed out again', (t) => {
  const db = cachingStatements(new Database(':memory:'));
  db.exec('create table t (n integer)');
  const insert = db.prepare('insert into t values (?)');
  for (let i = 0; i < 3; i++) db.prepare('insert into t values (?)').run(i);
  t.is(db.prepare('insert into t values (?)'), insert);
  const it = db.prepare('select n from t order by n').iterate();
  t.deepEqual(it.next().value, { n: 0 });
  // While the iteration is open the cached statement is busy: a fresh one runs the query.
  t.deepEqual(db.prepare('select n from t order by n').all(), [{ n: 0 }, { n: 1 }, { n: 2 }]);
  t.deepEqual([...it], [{ n: 1 }, { n: 2 }]);
  db.close();
});
