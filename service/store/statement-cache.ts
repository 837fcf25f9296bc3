/**
 * Kysely's SQLite driver prepares every query anew; preparing costs about as much as running
 * one of ours. This wraps a better-sqlite3 Database so that `prepare` hands back the statement
 * it made before for the same SQL text (bounded, least recently used out). A statement still
 * busy in an unfinished iteration is never handed out twice: a fresh one is prepared instead.
 * Safe because better-sqlite3 is synchronous: a statement runs to the end of `run`/`all`
 * before anything else can use it.
 */
import type { Database, Statement } from 'better-sqlite3';

export function cachingStatements(db: Database, max = 256): Database {
  const cache = new Map<string, Statement>();
  const prepare = (source: string): Statement => {
    const hit = cache.get(source);
    if (hit && !hit.busy) {
      cache.delete(source); // re-inserted: most recently used last
      cache.set(source, hit);
      return hit;
    }
    const stmt = db.prepare(source);
    if (!hit) {
      cache.set(source, stmt);
      if (cache.size > max) cache.delete(cache.keys().next().value!);
    }
    return stmt;
  };
  return new Proxy(db, {
    get(target, key) {
      if (key === 'prepare') return prepare;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
