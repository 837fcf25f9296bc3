/**
 * The request id of the API call that caused an execution (X-Request-Id, echoed to the
 * client and kept in the audit trail), so that a client's trace reaches the execution and the
 * worker's log lines about it. Null for executions caused by no request (schedules, brokers,
 * notifications) and for those made before this migration.
 * Migrations take Kysely<any> and never import application code.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('executions').addColumn('request_id', 'varchar(64)').execute();
}
