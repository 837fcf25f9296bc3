/**
 * `init_ms`: how long loading the handler's module took, kept apart from the run time
 * because loading has its own bound and does not count against the function's timeout.
 * Null for executions that never loaded (or ran before this column).
 * Migrations take Kysely<any> and never import application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('executions').addColumn('init_ms', 'integer').execute();
}
