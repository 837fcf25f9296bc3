/**
 * Whether a sync invoke waits for the execution: only then does its finish go out to every API
 * process on the finished bus (orchestrator/execution-events.ts). 0 for executions made before
 * this migration: a waiter for one of those learns of its end by polling.
 * Migrations take Kysely<any> and never import application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('executions')
    .addColumn('awaited', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
