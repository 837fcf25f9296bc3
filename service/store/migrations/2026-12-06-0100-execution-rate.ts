/**
 * `execution_rate`: executions created per project and second, so that the
 * executions-per-minute quota sums at most ~60 small rows instead of counting every
 * execution of the last minute (a count that grew with the rate: ~1.5 ms at 500/s).
 * Filled from the last minute's executions so that an upgrade does not reset the window.
 * Migrations take Kysely<any> and never import application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('execution_rate')
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('second', 'bigint', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('execution_rate_pk', ['project_id', 'second'])
    .execute();
  const since = Date.now() - 60_000;
  // (created_at - created_at % 1000) / 1000: whole seconds in both SQLite and MariaDB.
  await sql`insert into execution_rate (project_id, second, n)
    select project_id, (created_at - created_at % 1000) / 1000, count(*) from executions
    where created_at >= ${since} group by project_id, (created_at - created_at % 1000) / 1000`.execute(db);
}
