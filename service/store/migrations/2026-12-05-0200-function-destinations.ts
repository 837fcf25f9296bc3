/**
 * Destinations: where a function's execution outcomes are sent as CloudEvents (on success, on
 * failure), one row per function, with what the last delivery did. Migrations take
 * Kysely<any> and never import application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('function_destinations')
    .addColumn('function_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(64)', (c) => c.notNull())
    /** `{ on_success?: Destination, on_failure?: Destination }` as the API shows it. */
    .addColumn('config_json', sql`text`, (c) => c.notNull())
    /** AES-256-GCM sealed broker URLs (with credentials) of `broker` destinations; never returned. */
    .addColumn('sealed_secret', sql`text`)
    .addColumn('last_delivered_at', 'bigint')
    .addColumn('last_error', sql`text`)
    .addColumn('last_error_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('function_destinations_project').on('function_destinations').columns(['project_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('function_destinations').execute();
}
