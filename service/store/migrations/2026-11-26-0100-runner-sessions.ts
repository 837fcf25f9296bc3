/**
 * Runner sessions: one row per Nova server the openstack provider boots. It carries the
 * server's token (hashed), who owns the server (process + lease, for the reaper) and the
 * assignment/outcome exchange between the process waiting in env.run() and whichever
 * service process the runner in the VM happens to reach.
 */
import { sql, type Kysely } from 'kysely';

const bigText = sql`mediumtext`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('runner_sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('server_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('server_id', 'varchar(64)')
    .addColumn('execution_id', 'varchar(64)')
    .addColumn('pool_key', 'varchar(255)')
    .addColumn('owner', 'varchar(128)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('assignment_json', bigText)
    .addColumn('outcome_json', bigText)
    .addColumn('hello_at', 'bigint')
    .addColumn('picked_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('lease_until', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runner_sessions_server').on('runner_sessions').column('server_id').execute();
  await db.schema.createIndex('runner_sessions_owner').on('runner_sessions').column('owner').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('runner_sessions').ifExists().execute();
}
