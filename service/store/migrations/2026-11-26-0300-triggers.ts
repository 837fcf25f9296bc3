/**
 * Triggers: which events run which functions, from which streams. Migrations take
 * Kysely<any> and never import application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('triggers')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('name', 'varchar(63)', (c) => c.notNull())
    .addColumn('function_name', 'varchar(63)', (c) => c.notNull())
    /** event | http | amqp | schedule | openstack */
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    /** Kind-specific settings that may be shown to the tenant (no secrets). */
    .addColumn('config_json', sql`text`, (c) => c.notNull())
    .addColumn('filter_json', sql`text`, (c) => c.notNull())
    /** http: salted SHA-256 of the webhook secret (hex), `<salt>:<hash>`. */
    .addColumn('secret_hash', 'varchar(160)')
    /** AES-256-GCM sealed secrets (webhook secret for HMAC, tenant broker URL); never returned. */
    .addColumn('sealed_secret', sql`text`)
    .addColumn('enabled', 'integer', (c) => c.notNull())
    /** When the trigger was last enabled (schedule catch-up counts missed ticks from here). */
    .addColumn('enabled_at', 'bigint', (c) => c.notNull())
    .addColumn('last_fired_at', 'bigint')
    .addColumn('fire_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', sql`text`)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('triggers_project_name', ['project_id', 'name'])
    .execute();
  await db.schema.createIndex('triggers_kind_enabled').on('triggers').columns(['kind', 'enabled']).execute();

  // One row per (schedule trigger, tick): the insert is the lease that makes a tick fire once
  // however many service processes run.
  await db.schema
    .createTable('trigger_ticks')
    .addColumn('trigger_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('tick_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('trigger_ticks_pk', ['trigger_id', 'tick_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('trigger_ticks').execute();
  await db.schema.dropTable('triggers').execute();
}
