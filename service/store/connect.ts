/**
 * Opens the store named by a database URL: `sqlite:<path>` (embedded default) or
 * `mariadb://user:pass@host:port/db`. Both run the same migrations and queries.
 */
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import mariadb from 'mariadb/callback';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrate.js';
import { secureSqliteFile } from './sqlite-file-mode.js';

export type Dialect = 'sqlite' | 'mariadb';

export interface OpenedStore {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export async function openStore(databaseUrl: string, options: { migrate?: boolean; poolSize?: number } = {}): Promise<OpenedStore> {
  const opened = databaseUrl.startsWith('sqlite:') ? openSqlite(databaseUrl.slice('sqlite:'.length)) : openMariadb(databaseUrl, options.poolSize ?? 10);
  if (options.migrate !== false) {
    try {
      await migrateToLatest(opened.db);
    } catch (err) {
      await opened.close();
      throw err;
    }
  }
  return opened;
}

function openSqlite(path: string): OpenedStore {
  if (path !== ':memory:') secureSqliteFile(path);
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // Several processes (API, workers, tests) may share the file: wait for the lock rather than fail.
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

function openMariadb(url: string, connectionLimit: number): OpenedStore {
  const u = new URL(url);
  const pool = mariadb.createPool({
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.replace(/^\//, ''),
    connectionLimit,
    bigIntAsNumber: true,
    insertIdAsNumber: true,
    decimalAsNumber: true,
    acquireTimeout: 10_000,
    connectTimeout: 5_000,
  });
  const db = new Kysely<Database>({ dialect: new MysqlDialect({ pool: pool as never }) });
  return { db, dialect: 'mariadb', close: () => db.destroy() };
}
