/** Initial schema. Migrations take Kysely<any> and never import application code. */
import { sql, type Kysely } from 'kysely';

// `mediumtext`/`mediumblob` are real types on MariaDB; SQLite maps them to TEXT/BLOB affinity.
const bigText = sql`mediumtext`;
const blob = sql`mediumblob`;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('projects')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('origin', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('secret_hash', 'varchar(128)', (c) => c.notNull())
    .addColumn('salt', 'varchar(64)', (c) => c.notNull())
    .addColumn('description', 'varchar(255)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_account').on('api_keys').column('account_id').execute();

  await db.schema
    .createTable('code_packages')
    .addColumn('sha256', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull())
    .addColumn('format', 'varchar(16)', (c) => c.notNull())
    .addColumn('file_name', 'varchar(255)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('code_chunks')
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('code_chunks_pk', ['sha256', 'seq'])
    .execute();

  await db.schema
    .createTable('functions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(128)', (c) => c.notNull())
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('functions_project_name', ['project_id', 'name'])
    .execute();

  await db.schema
    .createTable('function_versions')
    .addColumn('function_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('runtime', 'varchar(32)', (c) => c.notNull())
    .addColumn('handler', 'varchar(255)', (c) => c.notNull())
    .addColumn('memory_mb', 'integer', (c) => c.notNull())
    .addColumn('vcpus', 'integer', (c) => c.notNull())
    .addColumn('disk_gb', 'integer', (c) => c.notNull())
    .addColumn('timeout_s', 'integer', (c) => c.notNull())
    .addColumn('network', 'integer', (c) => c.notNull())
    .addColumn('isolation', 'varchar(16)', (c) => c.notNull())
    .addColumn('env_json', 'text', (c) => c.notNull())
    .addColumn('code_sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('function_versions_pk', ['function_id', 'version'])
    .execute();

  await db.schema
    .createTable('executions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('function_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('function_name', 'varchar(128)', (c) => c.notNull())
    .addColumn('function_version', 'integer', (c) => c.notNull())
    .addColumn('event_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('event_json', bigText, (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('result_json', bigText)
    .addColumn('error_json', 'text')
    .addColumn('limits_json', 'text', (c) => c.notNull())
    .addColumn('placement_json', 'text')
    .addColumn('peak_memory_bytes', 'bigint')
    .addColumn('logs', bigText)
    .addColumn('logs_truncated', 'integer', (c) => c.notNull())
    .addColumn('worker_id', 'varchar(128)')
    .addColumn('lease_until', 'bigint')
    .addColumn('queued_at', 'bigint', (c) => c.notNull())
    .addColumn('provisioning_at', 'bigint')
    .addColumn('running_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // One execution per (event, function): redelivered events create nothing twice.
    .addUniqueConstraint('executions_event_function', ['function_id', 'event_id'])
    .execute();
  await db.schema.createIndex('executions_project_created').on('executions').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('executions_project_function').on('executions').columns(['project_id', 'function_name', 'created_at']).execute();
  await db.schema.createIndex('executions_status_lease').on('executions').columns(['status', 'lease_until']).execute();

  await db.schema
    .createTable('queue_messages')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('queue', 'varchar(64)', (c) => c.notNull())
    .addColumn('payload', bigText, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('available_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_by', 'varchar(128)')
    .addColumn('locked_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('queue_messages_ready').on('queue_messages').columns(['queue', 'available_at']).execute();

  await db.schema
    .createTable('dead_letters')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)')
    .addColumn('queue', 'varchar(64)', (c) => c.notNull())
    .addColumn('payload', bigText, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dead_letters_project').on('dead_letters').columns(['project_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['dead_letters', 'queue_messages', 'executions', 'function_versions', 'functions', 'code_chunks', 'code_packages', 'api_keys', 'accounts', 'projects']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
