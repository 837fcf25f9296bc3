/**
 * Fair scheduling and an exact stall sweep. `published_at`: when the execution's work message
 * was confirmed on the queue — the sweeper re-publishes only executions whose message never
 * was, instead of every execution that merely waits behind a backlog. The index serves the
 * per-project backlog the orchestrator reads to pick the next execution fairly.
 * Migrations take Kysely<any> and never import application code.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('executions').addColumn('published_at', 'bigint').execute();
  // What was queued before this migration was published by the code of its day.
  await sql`UPDATE executions SET published_at = queued_at`.execute(db);
  await db.schema.createIndex('executions_status_project_queued').on('executions').columns(['status', 'project_id', 'queued_at']).execute();
}
