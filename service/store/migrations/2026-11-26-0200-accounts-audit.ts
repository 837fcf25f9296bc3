/**
 * Accounts and projects, second step: per-project quota overrides and the audit trail.
 * Migrations take Kysely<any> and never import application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per project that has an override; a null column means "the configured default".
  await db.schema
    .createTable('project_quotas')
    .addColumn('project_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('functions', 'integer')
    .addColumn('code_bytes', 'bigint')
    .addColumn('concurrent_executions', 'integer')
    .addColumn('executions_per_minute', 'integer')
    .addColumn('memory_mb', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    /** account (built-in), keystone_user, or system */
    .addColumn('actor_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(64)')
    .addColumn('actor_name', 'varchar(255)')
    .addColumn('actor_project_id', 'varchar(64)')
    /** the API key used, when there was one */
    .addColumn('key_id', 'varchar(64)')
    /** create | update | delete | revoke | … */
    .addColumn('action', 'varchar(32)', (c) => c.notNull())
    /** function | key | account | project | quota | trigger | … */
    .addColumn('resource_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(255)')
    .addColumn('request_id', 'varchar(64)')
    .addColumn('details_json', sql`text`)
    .execute();
  await db.schema.createIndex('audit_events_project_at').on('audit_events').columns(['project_id', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_events').ifExists().execute();
  await db.schema.dropTable('project_quotas').ifExists().execute();
}
