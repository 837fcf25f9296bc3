/**
 * Account names become unique per project instead of service-wide: a 409 on a name must not
 * tell one project that another project has an account of that name. Logins are API keys, so
 * nothing looked accounts up by name alone.
 */
import { sql, SqliteAdapter, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    // SQLite cannot drop a column's UNIQUE: rebuild the table, in one transaction.
    await sql`begin immediate`.execute(db);
    try {
      await sql`create table accounts_v2 (id varchar(64) primary key, project_id varchar(64) not null, name varchar(255) not null, role varchar(16) not null, created_at bigint not null)`.execute(db);
      await sql`insert into accounts_v2 (id, project_id, name, role, created_at) select id, project_id, name, role, created_at from accounts`.execute(db);
      await sql`drop table accounts`.execute(db);
      await sql`alter table accounts_v2 rename to accounts`.execute(db);
      await sql`create unique index accounts_project_name on accounts (project_id, name)`.execute(db);
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db).catch(() => undefined);
      throw err;
    }
    return;
  }
  // MariaDB: the column's UNIQUE is an index of its own (named after the column); one ALTER swaps it.
  const { rows } = await sql<{ index_name: string }>`
    select index_name as index_name from information_schema.statistics
    where table_schema = database() and table_name = 'accounts' and non_unique = 0 and index_name <> 'PRIMARY'
    group by index_name having count(*) = 1 and max(column_name) = 'name'`.execute(db);
  const drops = rows.map((r) => sql`drop index ${sql.id(r.index_name)}, `);
  await sql`alter table accounts ${sql.join(drops, sql``)}add unique index accounts_project_name (project_id, name)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('accounts_project_name').on('accounts').execute();
  await db.schema.createIndex('accounts_name').on('accounts').column('name').unique().execute();
}
