/**
 * Executions created per project and second (`execution_rate`): what the executions-per-minute
 * quota counts. Summing at most ~60 rows costs the same at any rate, where counting the last
 * minute's executions grew with it. The window is whole seconds: every execution of the last
 * 60 000 ms is in it, and at most one second more, so the quota can be a little stricter than
 * a rolling minute to the millisecond, never looser.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './connect.js';
import { hotStatement } from './hot-statement.js';

const WINDOW_MS = 60_000;
const secondOf = (ms: number) => Math.floor(ms / 1000);

type Bucket = { projectId: string; second: number };
type Count = Bucket & { n: number };
const insertBucket = (db: Kysely<Database>, a: Count) => db.insertInto('execution_rate').values({ project_id: a.projectId, second: a.second, n: a.n });
const upsertSqlite = hotStatement((db, a: Count) => insertBucket(db, a).onConflict((oc) => oc.columns(['project_id', 'second']).doUpdateSet({ n: sql<number>`n + excluded.n` })));
const upsertMariadb = hotStatement((db, a: Count) => insertBucket(db, a).onDuplicateKeyUpdate({ n: sql<number>`n + values(n)` }));
/** The project's executions counted from `a.second` on. */
const sumFrom = (db: Kysely<Database>, a: Bucket) =>
  db
    .selectFrom('execution_rate')
    .select((eb) => eb.fn.sum<number | string | null>('n').as('n'))
    .where('project_id', '=', a.projectId)
    .where('second', '>=', a.second);
const sumSince = hotStatement(sumFrom);

/** Counts `n` executions of `projectId` created in the second of `createdAt` (atomic: safe without a lock). */
export async function countCreated(db: Kysely<Database>, dialect: Dialect, projectId: string, createdAt: number, n = 1): Promise<void> {
  await (dialect === 'sqlite' ? upsertSqlite : upsertMariadb).run(db, { projectId, second: secondOf(createdAt), n });
}

const giveBack = hotStatement((db, a: Count) =>
  db
    .updateTable('execution_rate')
    .set({ n: sql<number>`n - ${a.n}` })
    .where('project_id', '=', a.projectId)
    .where('second', '=', a.second)
    .where('n', '>=', a.n),
);

/** Takes back a `countCreated` of the same `createdAt` and `n` (an admission that was refused or found a replay). */
export async function uncountCreated(db: Kysely<Database>, projectId: string, createdAt: number, n = 1): Promise<void> {
  await giveBack.run(db, { projectId, second: secondOf(createdAt), n });
}

const sumAndLimit = hotStatement((db, a: Bucket) =>
  db.selectNoFrom((eb) => [
    sumFrom(db, a).as('n'),
    eb.selectFrom('project_quotas').select('executions_per_minute').where('project_id', '=', a.projectId).as('per_minute'),
  ]),
);

/**
 * The minute's executions (as createdInLastMinute) and the project's own executions-per-minute
 * quota (null: none, the default applies), read in one statement: an admission needs both.
 */
export async function minuteAndLimit(db: Kysely<Database>, projectId: string, now: number): Promise<{ recent: number; override: number | null }> {
  const r = await sumAndLimit.first(db, { projectId, second: secondOf(now - WINDOW_MS) });
  const limit = r?.per_minute;
  return { recent: Number(r?.n ?? 0), override: limit === null || limit === undefined ? null : Number(limit) };
}

/** Executions of `projectId` created in the minute before `now` (and up to a second more). */
export async function createdInLastMinute(db: Kysely<Database>, projectId: string, now: number): Promise<number> {
  const r = await sumSince.first(db, { projectId, second: secondOf(now - WINDOW_MS) });
  return Number(r?.n ?? 0);
}

/** Drops the project's seconds that left the window (now and then: any process may, concurrently). */
export async function forgetOldSeconds(db: Kysely<Database>, projectId: string, now: number): Promise<void> {
  await db.deleteFrom('execution_rate').where('project_id', '=', projectId).where('second', '<', secondOf(now - WINDOW_MS)).execute();
}
