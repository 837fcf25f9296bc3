/**
 * Opens the store named by a database URL: `sqlite:<path>` (embedded default) or
 * `mariadb://user:pass@host:port/db`. Both run the same migrations and queries.
 */
import { Kysely, MysqlDialect, SqliteDialect } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import mariadb from 'mariadb/callback';
import { createConnection } from 'mariadb';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrate.js';
import { StoreHealth, type HealthLogger } from './store-health.js';
import { guardedDialect } from './guarded-dialect.js';
import { secureSqliteFile } from './sqlite-file-mode.js';
import { countStatements } from './statement-count.js';
import { cachingStatements } from './statement-cache.js';
import { startCheckpointer } from './sqlite-checkpointer.js';

export type Dialect = 'sqlite' | 'mariadb';

export interface OpenedStore {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Whether the database answers; store calls fail fast while it does not (always up on SQLite). */
  health: StoreHealth;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Run the migrations (default true). */
  migrate?: boolean;
  /** MariaDB pool size. Default 10. */
  poolSize?: number;
  /** How long a query waits for a pooled MariaDB connection, ms. Default 10 000. */
  acquireTimeoutMs?: number;
  /** How often an unreachable MariaDB is probed, ms. Default 1000. */
  probeIntervalMs?: number;
  /** Receives the store's changes of state ("store unreachable"). */
  logger?: HealthLogger;
}

export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const opened = databaseUrl.startsWith('sqlite:') ? openSqlite(databaseUrl.slice('sqlite:'.length)) : openMariadb(databaseUrl, options);
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
  const checkpointer = path === ':memory:' ? null : startCheckpointer(sqlite, path);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }), plugins: [countStatements] });
  const close = async () => {
    await checkpointer?.close();
    await db.destroy();
  };
  return { db, dialect: 'sqlite', health: StoreHealth.alwaysUp(), close };
}

function openMariadb(url: string, options: OpenStoreOptions): OpenedStore {
  const u = new URL(url);
  const server = {
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.replace(/^\//, ''),
  };
  const pool = mariadb.createPool({
    ...server,
    connectionLimit: options.poolSize ?? 10,
    bigIntAsNumber: true,
    insertIdAsNumber: true,
    decimalAsNumber: true,
    acquireTimeout: options.acquireTimeoutMs ?? 10_000,
    connectTimeout: 5_000,
  });
  const probeTimeoutMs = 3_000;
  const health = new StoreHealth({
    probe: () => probeMariadb(server, probeTimeoutMs),
    probeTimeoutMs,
    ...(options.probeIntervalMs !== undefined ? { probeIntervalMs: options.probeIntervalMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const db = new Kysely<Database>({ dialect: guardedDialect(new MysqlDialect({ pool: pool as never }), health), plugins: [countStatements] });
  return { db, dialect: 'mariadb', health, close: () => db.destroy() };
}

/** One query on a connection of its own: the pool may hold only dead connections, or be busy. */
async function probeMariadb(server: { host: string; port: number; user: string; password: string; database: string }, timeoutMs: number): Promise<void> {
  const conn = await createConnection({ ...server, connectTimeout: timeoutMs, socketTimeout: timeoutMs });
  try {
    await conn.query('SELECT 1');
  } finally {
    conn.destroy();
  }
}
