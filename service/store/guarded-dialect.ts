/**
 * A Kysely dialect whose driver consults the StoreHealth before it touches the pool: every
 * query, transaction and migration acquires its connection here, so while the store is
 * known to be unreachable they all fail at once, and every failure they see feeds the health.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, Kysely, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';
import type { StoreHealth } from './store-health.js';

export function guardedDialect(inner: Dialect, health: StoreHealth): Dialect {
  return {
    createDriver: () => new GuardedDriver(inner.createDriver(), health),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db: Kysely<any>) => inner.createIntrospector(db),
  };
}

class GuardedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly health: StoreHealth,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return reported(this.health, this.inner.executeQuery<R>(query));
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (err) {
      this.health.report(err);
      throw err;
    }
  }
}

class GuardedDriver implements Driver {
  /** One wrapper per pooled connection, so Kysely sees the same object each time. */
  private readonly wrappers = new WeakMap<DatabaseConnection, GuardedConnection>();

  constructor(
    private readonly inner: Driver,
    private readonly health: StoreHealth,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const conn = await this.health.guard(() => this.inner.acquireConnection(), (late) => void this.inner.releaseConnection(late).catch(() => undefined));
    let wrapper = this.wrappers.get(conn);
    if (!wrapper) {
      wrapper = new GuardedConnection(conn, this.health);
      this.wrappers.set(conn, wrapper);
    }
    return wrapper;
  }

  beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return reported(this.health, this.inner.beginTransaction(unwrap(conn), settings));
  }

  commitTransaction(conn: DatabaseConnection): Promise<void> {
    return reported(this.health, this.inner.commitTransaction(unwrap(conn)));
  }

  rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    return reported(this.health, this.inner.rollbackTransaction(unwrap(conn)));
  }

  async savepoint(conn: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    if (!this.inner.savepoint) throw new Error('this dialect has no savepoints');
    return reported(this.health, this.inner.savepoint(unwrap(conn), name, compile));
  }

  async rollbackToSavepoint(conn: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    if (!this.inner.rollbackToSavepoint) throw new Error('this dialect has no savepoints');
    return reported(this.health, this.inner.rollbackToSavepoint(unwrap(conn), name, compile));
  }

  async releaseSavepoint(conn: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    if (!this.inner.releaseSavepoint) throw new Error('this dialect has no savepoints');
    return reported(this.health, this.inner.releaseSavepoint(unwrap(conn), name, compile));
  }

  releaseConnection(conn: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(unwrap(conn));
  }

  destroy(): Promise<void> {
    this.health.close();
    return this.inner.destroy();
  }
}

function unwrap(conn: DatabaseConnection): DatabaseConnection {
  return conn instanceof GuardedConnection ? conn.inner : conn;
}

async function reported<T>(health: StoreHealth, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    health.report(err);
    throw err;
  }
}
