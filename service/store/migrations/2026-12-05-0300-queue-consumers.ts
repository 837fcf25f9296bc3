/**
 * Consumers of the embedded store queue say they are alive (a row each, `seen_at` renewed
 * every few seconds, deleted when they stop), so that an API process can tell whether any
 * worker consumes the work queue (/ready, and a sync invoke that would wait for nobody).
 * RabbitMQ knows its consumers itself. Migrations take Kysely<any> and never import app code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('queue_consumers')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('queue', 'varchar(64)', (c) => c.notNull())
    .addColumn('seen_at', 'bigint', (c) => c.notNull())
    .execute();
}
