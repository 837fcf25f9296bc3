/**
 * Results leave the executions row for chunks of their own (the UTF-8 JSON text, 1 MiB a
 * chunk, like code_chunks): listing executions then never reads a result — nor, on SQLite,
 * walks a large result's overflow pages to reach the columns after it —, the result can be
 * streamed back a chunk at a time, and on MariaDB it is no longer capped by mediumtext's
 * 16 MiB. The row keeps the size and a short preview. Migrations take Kysely<any> and never
 * import application code.
 */
import { MysqlAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const mariadb = db.getExecutor().adapter instanceof MysqlAdapter;
  await db.schema
    .createTable('execution_result_chunks')
    .addColumn('execution_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', sql`mediumblob`, (c) => c.notNull())
    .addPrimaryKeyConstraint('execution_result_chunks_pk', ['execution_id', 'seq'])
    .execute();
  await db.schema.alterTable('executions').addColumn('result_bytes', 'bigint').execute();
  await db.schema.alterTable('executions').addColumn('result_preview', 'text').execute();

  // Results stored so far (at most mediumtext's 16 MiB) move as one chunk each.
  const asBytes = mariadb ? sql`result_json` : sql`CAST(result_json AS BLOB)`;
  await sql`INSERT INTO execution_result_chunks (execution_id, seq, data) SELECT id, 0, ${asBytes} FROM executions WHERE result_json IS NOT NULL`.execute(db);
  // 256 characters are at most 1 KiB of UTF-8, the preview's bound.
  await sql`UPDATE executions SET result_bytes = octet_length(result_json), result_preview = substr(result_json, 1, 256), result_json = NULL WHERE result_json IS NOT NULL`.execute(db);
}
