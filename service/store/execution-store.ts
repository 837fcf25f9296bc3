/**
 * Executions. `ExecutionStore` is the project-scoped view used by the API;
 * `ExecutionLedger` is the worker's view (by id, any project), used only by the orchestrator,
 * which never takes an id from a tenant.
 */
import { createHash, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, ExecutionRow } from './schema.js';
import type { Dialect } from './connect.js';
import type { Execution, ExecutionSummary, ExecutionStatus, ExecutionLimits, FnFunction, FunctionVersion } from '../model.js';
import type { CloudEvent, FailureInfo, RunOutcome } from '../runner/protocol.js';
import { hasDestinations, isUniqueViolation, toVersion, versionColumns, type VersionJoin } from './function-store.js';
import { countCreated, forgetOldSeconds, minuteAndLimit, uncountCreated } from './execution-rate.js';
import { hotStatement } from './hot-statement.js';
import { AdmissionGroups } from './admission-groups.js';
import { concurrencyOf } from './quota-store.js';
import { decodeTimeCursor, encodeTimeCursor, pageOf, type Page } from './paging.js';

export interface NewExecutionInput {
  id: string;
  projectId: string;
  functionId: string;
  functionName: string;
  functionVersion: number;
  event: CloudEvent;
  limits: ExecutionLimits;
  /** The request id of the API call that caused it (see service/api/request-id.ts). */
  requestId?: string | null;
  /** A sync invoke waits for it (Execution.awaited). */
  awaited?: boolean;
}

/** A new execution of the function's current version for this event (with a fresh id). */
export function newExecutionOf(fn: FnFunction, event: CloudEvent, requestId: string | null = null): NewExecutionInput {
  const s = fn.spec;
  return {
    id: randomUUID(),
    projectId: fn.projectId,
    functionId: fn.id,
    functionName: fn.name,
    functionVersion: fn.currentVersion,
    event,
    limits: { memory_mb: s.memoryMb, vcpus: s.vcpus, disk_gb: s.diskGb, timeout_s: s.timeoutS, network: s.network },
    requestId,
  };
}

/** Results are stored in chunks of this many bytes (a row each), and read back one at a time. */
const RESULT_CHUNK_BYTES = 1024 * 1024;
/**
 * The preview kept in the executions row. A result no larger than this is its own preview
 * and has no chunk rows: it is recorded with one statement and read with none of its own.
 */
export const RESULT_PREVIEW_MAX_BYTES = 1024;

/** The whole result's JSON text when the row's preview holds all of it (a small result). */
export function wholeResultOf(e: Pick<ExecutionSummary, 'resultBytes' | 'resultPreview'>): string | null {
  if (e.resultBytes === null || e.resultPreview === null || e.resultBytes > RESULT_PREVIEW_MAX_BYTES) return null;
  return Buffer.byteLength(e.resultPreview) === e.resultBytes ? e.resultPreview : null;
}

/** Every column but the event, the logs and the (emptied) result: what lists and the API read. */
const SUMMARY_COLUMNS = [
  'id', 'project_id', 'function_id', 'function_name', 'function_version', 'event_id', 'status', 'attempts',
  'result_bytes', 'result_preview', 'error_json', 'limits_json', 'placement_json', 'peak_memory_bytes', 'init_ms', 'logs_truncated',
  'queued_at', 'provisioning_at', 'running_at', 'finished_at', 'created_at', 'updated_at', 'request_id',
] as const;
type SummaryRow = Pick<ExecutionRow, (typeof SUMMARY_COLUMNS)[number]>;

export interface ExecutionFilter {
  functionName?: string;
  status?: ExecutionStatus;
}

export class ExecutionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly projectId: string,
  ) {}

  async get(id: string): Promise<ExecutionSummary | null> {
    const row = await this.db.selectFrom('executions').select(SUMMARY_COLUMNS).where('project_id', '=', this.projectId).where('id', '=', id).executeTakeFirst();
    return row ? toSummary(row) : null;
  }

  /**
   * The result's JSON text as UTF-8 bytes, one stored chunk (≤ 1 MiB) per read, so that a
   * large result never sits whole in memory nor holds the store for long; nothing when the
   * execution is not this project's or has no result.
   */
  async *resultChunks(id: string): AsyncGenerator<Buffer> {
    const own = await this.db.selectFrom('executions').select(['result_bytes', 'result_preview']).where('project_id', '=', this.projectId).where('id', '=', id).executeTakeFirst();
    if (!own) return;
    const whole = wholeResultOf({ resultBytes: own.result_bytes === null ? null : Number(own.result_bytes), resultPreview: own.result_preview });
    if (whole !== null) {
      yield Buffer.from(whole);
      return;
    }
    for (let seq = 0; ; seq++) {
      const chunk = await this.db.selectFrom('execution_result_chunks').select('data').where('execution_id', '=', id).where('seq', '=', seq).executeTakeFirst();
      if (!chunk) return;
      yield Buffer.from(chunk.data);
    }
  }

  /** The whole result's JSON text; for small results only (the caller checks resultBytes). */
  async resultText(id: string): Promise<string | null> {
    // One statement: the chunks, joined to the execution for the project check.
    const rows = await this.db
      .selectFrom('execution_result_chunks as c')
      .innerJoin('executions as e', 'e.id', 'c.execution_id')
      .select('c.data')
      .where('e.project_id', '=', this.projectId)
      .where('c.execution_id', '=', id)
      .orderBy('c.seq')
      .execute();
    if (rows.length > 0) return Buffer.concat(rows.map((r) => Buffer.from(r.data))).toString('utf8');
    // A small result has no chunks: the row's preview is all of it.
    const own = await this.db.selectFrom('executions').select(['result_bytes', 'result_preview']).where('project_id', '=', this.projectId).where('id', '=', id).executeTakeFirst();
    return own ? wholeResultOf({ resultBytes: own.result_bytes === null ? null : Number(own.result_bytes), resultPreview: own.result_preview }) : null;
  }

  async logs(id: string): Promise<{ status: ExecutionStatus; logs: string; truncated: boolean } | null> {
    const row = await this.db.selectFrom('executions').select(['status', 'logs', 'logs_truncated']).where('project_id', '=', this.projectId).where('id', '=', id).executeTakeFirst();
    return row ? { status: row.status as ExecutionStatus, logs: row.logs ?? '', truncated: Boolean(row.logs_truncated) } : null;
  }

  async list(filter: ExecutionFilter, limit: number, cursor: string | null): Promise<Page<ExecutionSummary>> {
    let q = this.db.selectFrom('executions').select(SUMMARY_COLUMNS).where('project_id', '=', this.projectId);
    if (filter.functionName) q = q.where('function_name', '=', filter.functionName);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (cursor) {
      const c = decodeTimeCursor(cursor);
      q = q.where((eb) => eb.or([eb('created_at', '<', c.t), eb.and([eb('created_at', '=', c.t), eb('id', '<', c.id)])]));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    return pageOf(rows, limit, toSummary, (e) => encodeTimeCursor(e.createdAt, e.id));
  }

  /** Executions of this project not yet final (quota on concurrency). */
  async countActive(): Promise<number> {
    const r = await this.db
      .selectFrom('executions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', this.projectId)
      .where('status', 'in', ['provisioning', 'running'])
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

export interface ProjectBacklog {
  projectId: string;
  queued: number;
  active: number;
  oldestQueuedAt: number;
}

/** createWithinQuota's answer: the execution (new, or the one this event already has), or the quota said no. */
export type QuotaAdmission = { execution: Execution; created: boolean; claimed: boolean; overQuota?: undefined } | { overQuota: { recent: number; limit: number }; claimed?: undefined; execution?: undefined };

/**
 * createWithinQuota's option: create the execution already claimed by this worker when the
 * project has fewer active than its concurrency quota (its own, read then, or `concurrent`).
 */
export interface ClaimOnCreate {
  workerId: string;
  leaseMs: number;
  concurrent: number;
}

/** The running mark (time and placement) when it is recorded with the outcome. */
export interface RunningMark {
  at: number;
  placement: NonNullable<Execution['placement']>;
}

/** What `finish` wrote: with the execution as claimed, its final summary. */
export type FinishedRecord = Pick<ExecutionSummary, 'status' | 'resultBytes' | 'resultPreview' | 'error' | 'peakMemoryBytes' | 'initMs' | 'logsTruncated' | 'finishedAt' | 'updatedAt'>;

export class ExecutionLedger {
  /** When this process last dropped a project's old seconds of `execution_rate`. */
  private readonly rateSweptAt = new Map<string, number>();

  /** Executions whose work is on the queue, to be marked so together (markPublishedSoon). */
  private toMark: string[] = [];
  private marking: Promise<void> | null = null;

  /** MariaDB's lock-free admissions of one project, grouped while one is in flight. */
  private readonly groups: AdmissionGroups;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect = 'sqlite',
  ) {
    this.groups = new AdmissionGroups(db, (input, defaultPerMinute, now) => this.admit(db, input, defaultPerMinute, now), executionRowOf, toExecution);
  }

  /**
   * createOnce under the executions-per-minute quota, exact in any number of processes. Every
   * admission counts itself in its second's counter first (atomic), then reads the minute's
   * sum, its own count included, and gives the count back when that is over the limit or the
   * event was a replay. The limit is the project's own executions-per-minute quota, read in the
   * same statement as the sum, or `defaultPerMinute` when it has none. An admission never gives
   * back and reads only after counting, so the last one admitted saw all the others: together
   * they never pass the limit.
   *
   * On MariaDB a first attempt takes no lock, so one project's creators do not queue behind
   * each other; an attempt that finds the minute full tries again under the project's quota
   * lock (a named lock), where a burst's counts that are about to be given back have settled:
   * a burst of N is admitted min(N, room), and a refusal is only ever made under the lock.
   * With `claim` (the concurrency cap is read, then the claim made) and on SQLite (an
   * immediate transaction) the lock is held throughout. A replayed event gets its existing
   * execution whatever the quota. The first attempts of one process go in groups
   * (admission-groups.ts): one admission of weight k for what arrived together.
   */
  async createWithinQuota(input: NewExecutionInput, defaultPerMinute: number, now = Date.now(), claim?: ClaimOnCreate): Promise<QuotaAdmission> {
    if (now - (this.rateSweptAt.get(input.projectId) ?? 0) >= 60_000) {
      this.rateSweptAt.set(input.projectId, now);
      await forgetOldSeconds(this.db, input.projectId, now);
    }
    if (this.dialect === 'mariadb' && !claim) {
      const admitted = await this.groups.admit(input, defaultPerMinute, now);
      if (!admitted.overQuota) return admitted;
    }
    return this.exclusive(input.projectId, async (db) => {
      const admitted = await this.admit(db, input, defaultPerMinute, now, claim);
      if (!admitted.overQuota) return admitted;
      const existing = await db.selectFrom('executions').selectAll().where('function_id', '=', input.functionId).where('event_id', '=', input.event.id).executeTakeFirst();
      return existing ? { execution: toExecution(existing), created: false, claimed: false } : admitted;
    });
  }

  /** One admission: count, read the minute, then create or give the count back (see createWithinQuota). */
  private async admit(db: Kysely<Database>, input: NewExecutionInput, defaultPerMinute: number, now: number, claim?: ClaimOnCreate): Promise<QuotaAdmission> {
    await countCreated(db, this.dialect, input.projectId, now);
    let made: { execution: Execution; created: boolean };
    let claimNow: ClaimOnCreate | undefined;
    try {
      const minute = await minuteAndLimit(db, input.projectId, now);
      const before = minute.recent - 1;
      const perMinute = minute.override ?? defaultPerMinute;
      if (before >= perMinute) {
        await uncountCreated(db, input.projectId, now);
        return { overQuota: { recent: before, limit: perMinute } };
      }
      if (claim) {
        const { active, limit } = await concurrencyOf(db, input.projectId, claim.concurrent);
        claimNow = active < limit ? claim : undefined;
      }
      made = await insertOnce(db, input, now, claimNow);
    } catch (err) {
      await uncountCreated(db, input.projectId, now).catch(() => undefined);
      throw err;
    }
    if (!made.created) await uncountCreated(db, input.projectId, now);
    return { ...made, claimed: made.created && claimNow !== undefined };
  }

  /** Runs `fn` on one connection while holding the project's quota lock. */
  private exclusive<T>(projectId: string, fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      if (this.dialect === 'sqlite') {
        await sql`begin immediate`.execute(conn);
        try {
          const out = await fn(conn);
          await sql`commit`.execute(conn);
          return out;
        } catch (err) {
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw err;
        }
      }
      const name = `fnstack_quota_${createHash('sha1').update(projectId).digest('hex')}`;
      const got = await sql<{ ok: number | null }>`select get_lock(${name}, 10) as ok`.execute(conn);
      if (Number(got.rows[0]?.ok) !== 1) throw Object.assign(new Error('the project’s quota lock was not free within 10 s'), { code: 'ER_LOCK_WAIT_TIMEOUT' });
      try {
        return await fn(conn);
      } finally {
        await sql`select release_lock(${name})`.execute(conn).catch(() => undefined);
      }
    });
  }


  /** Inserts a queued execution; if one exists for (function, event) already, returns that one. */
  async createOnce(input: NewExecutionInput): Promise<{ execution: Execution; created: boolean }> {
    const now = Date.now();
    const made = await insertOnce(this.db, input, now);
    if (made.created) await countCreated(this.db, this.dialect, input.projectId, now);
    return made;
  }

  async get(id: string): Promise<Execution | null> {
    const row = await executionById.first(this.db, { id });
    return row ? toExecution(row) : null;
  }

  /**
   * The execution with the function version it runs, read together (a worker needs both):
   * `version` is null when the version, or its function, no longer exists in the project;
   * `hasDestinations`, whether that function has outcome destinations now.
   */
  async getForRun(id: string): Promise<{ execution: Execution; version: FunctionVersion | null; hasDestinations: boolean } | null> {
    const row = await executionForRun.first(this.db, { id });
    if (!row) return null;
    return { execution: toExecution(row), version: row.version_of === null ? null : toVersion(row as unknown as VersionJoin), hasDestinations: Number(row.has_destinations) === 1 };
  }

  /** A sync invoke waits for this execution, made before without one (a replayed event id). */
  async markAwaited(id: string): Promise<void> {
    await this.db.updateTable('executions').set({ awaited: 1 }).where('id', '=', id).execute();
  }

  /**
   * Claims the execution for this worker: only a queued one, or one whose previous
   * worker's lease ran out (that worker died). Returns false if someone else holds it
   * or it is already final.
   */
  async claim(id: string, workerId: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    const r = await claimById.run(this.db, { id, workerId, now, leaseUntil: now + leaseMs });
    return Number(r.numAffectedRows) === 1;
  }

  /** Gives the claim back (the work failed before an outcome and will be retried). */
  async unclaim(id: string, workerId: string): Promise<void> {
    await this.db
      .updateTable('executions')
      .set({ status: 'queued', worker_id: null, lease_until: null, provisioning_at: null, running_at: null, placement_json: null, updated_at: Date.now() })
      .where('id', '=', id)
      .where('worker_id', '=', workerId)
      .where('status', 'in', ['provisioning', 'running'])
      .execute();
  }

  /** Extends the lease; false means this worker lost the execution (it must stop recording). */
  async heartbeat(id: string, workerId: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    const r = await this.db
      .updateTable('executions')
      .set({ lease_until: now + leaseMs })
      .where('id', '=', id)
      .where('worker_id', '=', workerId)
      .where('status', 'in', ['provisioning', 'running'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Running since `at` (default now), on `placement`; only while still this worker's and not final. */
  async markRunning(id: string, workerId: string, placement: { provider: string; details: Record<string, unknown> }, at = Date.now()): Promise<void> {
    await this.db
      .updateTable('executions')
      .set({ status: 'running', running_at: at, updated_at: Date.now(), placement_json: JSON.stringify(placement) })
      .where('id', '=', id)
      .where('worker_id', '=', workerId)
      .where('status', 'in', ['provisioning', 'running'])
      .execute();
  }

  /**
   * Appends live output to a running execution's logs, only while the execution is not final
   * (the outcome's logs replace them) and only while the stored logs stay within `capBytes`:
   * a text that would pass the cap is refused whole (false), whoever sent it. `workerId`
   * null: any holder (the openstack runner's own posts, checked by its session token).
   */
  async appendLogs(id: string, workerId: string | null, text: string, capBytes: number): Promise<boolean> {
    const bytes = Buffer.byteLength(text);
    if (bytes === 0) return true;
    if (bytes > capBytes) return false;
    const joined = this.dialect === 'sqlite' ? sql<string>`coalesce(logs, '') || ${text}` : sql<string>`concat(coalesce(logs, ''), ${text})`;
    const size = this.dialect === 'sqlite' ? sql<number>`coalesce(length(cast(logs as blob)), 0)` : sql<number>`coalesce(length(logs), 0)`;
    let q = this.db
      .updateTable('executions')
      .set({ logs: joined })
      .where('id', '=', id)
      .where('status', 'in', ['provisioning', 'running'])
      .where(size, '<=', capBytes - bytes);
    if (workerId) q = q.where('worker_id', '=', workerId);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Records the final outcome once; a worker that lost its lease records nothing. `running`:
   * the running mark not written yet (a short run: see Orchestrator), recorded with the outcome.
   * A small result is its preview and the whole record one statement; a larger one adds its
   * chunks in the same transaction.
   */
  async finish(id: string, workerId: string | null, outcome: RunOutcome, running?: RunningMark): Promise<FinishedRecord | null> {
    const now = Date.now();
    const result = outcome.status === 'succeeded' ? Buffer.from(JSON.stringify(outcome.result ?? null)) : null;
    const record: FinishedRecord = {
      status: outcome.status,
      resultBytes: result?.length ?? null,
      resultPreview: result ? previewOf(result) : null,
      error: outcome.failure ?? null,
      peakMemoryBytes: outcome.peakMemoryBytes ?? null,
      initMs: outcome.initMs ?? null,
      logsTruncated: outcome.logsTruncated,
      finishedAt: now,
      updatedAt: now,
    };
    const set: FinishSet = {
      status: outcome.status,
      result_bytes: record.resultBytes,
      result_preview: record.resultPreview,
      error_json: outcome.failure ? JSON.stringify(outcome.failure) : null,
      logs: outcome.logs,
      logs_truncated: outcome.logsTruncated ? 1 : 0,
      peak_memory_bytes: record.peakMemoryBytes,
      init_ms: record.initMs,
      finished_at: now,
      updated_at: now,
      ...(running ? { running_at: running.at, placement_json: JSON.stringify(running.placement) } : {}),
    };
    const where = workerId ? { id, worker_id: workerId } : { id };
    const update = async (db: Kysely<Database>) => Number((await finishUpdate(running !== undefined, workerId !== null).run(db, { ...set, ...where })).numAffectedRows) === 1;
    if (!result || result.length <= RESULT_PREVIEW_MAX_BYTES) return (await update(this.db)) ? record : null;
    return this.db.transaction().execute(async (trx) => {
      if (!(await update(trx))) return null;
      // No chunks to delete first: only a finish writes them, and it made the execution final,
      // so the update above would have matched nothing.
      for (let seq = 0, off = 0; off < result.length; seq++, off += RESULT_CHUNK_BYTES) {
        await trx.insertInto('execution_result_chunks').values({ execution_id: id, seq, data: result.subarray(off, off + RESULT_CHUNK_BYTES) }).execute();
      }
      return record;
    });
  }

  /** Fails an execution that never ran (provisioning failed, function gone, …). */
  async fail(id: string, workerId: string | null, failure: FailureInfo): Promise<boolean> {
    const now = Date.now();
    return (await this.finish(id, workerId, { status: 'failed', failure, logs: '', logsTruncated: false, startedAt: now, finishedAt: now })) !== null;
  }

  /** Non-final executions nobody holds: queued longer than `queuedForMs`, or a lease that ran out. */
  /**
   * Executions whose work is gone: queued and never confirmed on the queue (the process that
   * recorded them died before publishing), or claimed by a worker whose lease ran out. One
   * merely waiting behind a backlog is not stalled: its message is on the queue.
   */
  async stalled(now: number, queuedForMs: number, limit = 100): Promise<Array<{ id: string; status: string }>> {
    return this.db
      .selectFrom('executions')
      .select(['id', 'status'])
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('published_at', 'is', null), eb('updated_at', '<', now - queuedForMs)]),
          eb.and([eb('status', 'in', ['provisioning', 'running']), eb('lease_until', '<', now)]),
        ]),
      )
      .limit(limit)
      .execute();
  }

  /**
   * markPublished of one execution, made together with the others of the same moment (one
   * statement for all of them). The caller need not wait: until the mark is written the stall
   * sweeper may only publish the execution's work once more, and a second message for one
   * execution runs nothing twice (a claim is atomic).
   */
  markPublishedSoon(id: string): Promise<void> {
    this.toMark.push(id);
    this.marking ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const ids = this.toMark.splice(0);
        this.marking = null;
        this.markPublished(ids).then(resolve, reject);
      });
    });
    return this.marking;
  }

  /** The work messages of these executions are confirmed on the queue. */
  async markPublished(ids: readonly string[], now = Date.now()): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('executions').set({ published_at: now }).where('id', 'in', [...ids]).where('published_at', 'is', null).execute();
  }

  /**
   * A stalled execution's work was put back on the queue: it is queued and confirmed again, so
   * the sweeper does not pick it once more (one sweep makes one message, not one per sweep
   * until a worker takes it). A claim whose lease ran out goes back to queued: a late outcome
   * of the lost worker is refused (it no longer holds the lease), the next claim runs it.
   */
  async requeued(id: string, now = Date.now()): Promise<void> {
    await this.db.updateTable('executions').set({ published_at: now, updated_at: now }).where('id', '=', id).where('status', '=', 'queued').execute();
    await this.db
      .updateTable('executions')
      .set({ status: 'queued', worker_id: null, lease_until: null, published_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', 'in', ['provisioning', 'running'])
      .where('lease_until', '<', now)
      .execute();
  }

  /** Per project with queued executions: how many wait, how many run, since when the oldest waits. */
  async backlog(): Promise<ProjectBacklog[]> {
    const rows = await this.db
      .selectFrom('executions')
      .select([
        'project_id',
        sql<number>`sum(case when status = 'queued' then 1 else 0 end)`.as('queued'),
        sql<number>`sum(case when status = 'queued' then 0 else 1 end)`.as('active'),
        sql<number | null>`min(case when status = 'queued' then queued_at end)`.as('oldest'),
      ])
      .where('status', 'in', ['queued', 'provisioning', 'running'])
      .groupBy('project_id')
      .execute();
    return rows.filter((r) => Number(r.queued) > 0).map((r) => ({ projectId: r.project_id, queued: Number(r.queued), active: Number(r.active), oldestQueuedAt: Number(r.oldest) }));
  }

  /** How many executions are queued, provisioning and running, all projects (operator metrics). */
  async countByActiveStatus(): Promise<Record<'queued' | 'provisioning' | 'running', number>> {
    const rows = await this.db
      .selectFrom('executions')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', 'in', ['queued', 'provisioning', 'running'])
      .groupBy('status')
      .execute();
    const counts = { queued: 0, provisioning: 0, running: 0 };
    for (const r of rows) counts[r.status as keyof typeof counts] = Number(r.n);
    return counts;
  }

  /** The project's queued execution waiting longest. */
  async oldestQueued(projectId: string): Promise<Execution | null> {
    const row = await this.db.selectFrom('executions').selectAll().where('status', '=', 'queued').where('project_id', '=', projectId).orderBy('queued_at').orderBy('id').limit(1).executeTakeFirst();
    return row ? toExecution(row) : null;
  }

  /** Puts a failed execution back to queued (retry of a dead letter); false if it is not failed. */
  async reopen(id: string): Promise<boolean> {
    const now = Date.now();
    const r = await this.db
      .updateTable('executions')
      .set({ status: 'queued', error_json: null, init_ms: null, result_json: null, result_bytes: null, result_preview: null, finished_at: null, provisioning_at: null, running_at: null, worker_id: null, lease_until: null, queued_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Deletes an execution no worker has claimed yet: its work never reached the queue and its
   * caller heard an error, so it must not run later. False if it was claimed meanwhile.
   */
  async discard(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('executions').where('id', '=', id).where('status', '=', 'queued').where('worker_id', 'is', null).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Marks a queued execution as touched so the stall sweeper does not republish it again at once. */
  async touch(id: string): Promise<void> {
    await this.db.updateTable('executions').set({ updated_at: Date.now() }).where('id', '=', id).where('status', '=', 'queued').execute();
  }
}

const executionById = hotStatement((db, a: { id: string }) => db.selectFrom('executions').selectAll().where('id', '=', a.id));

/** An execution joined with its version (the execution's own function_id stands for the version's). */
const executionForRun = hotStatement((db, a: { id: string }) =>
  db
    .selectFrom('executions as e')
    .leftJoin('function_versions as v', (j) => j.onRef('v.function_id', '=', 'e.function_id').onRef('v.version', '=', 'e.function_version'))
    .leftJoin('functions as f', (j) => j.onRef('f.id', '=', 'v.function_id').onRef('f.project_id', '=', 'e.project_id'))
    .leftJoin('code_packages as c', 'c.sha256', 'v.code_sha256')
    .selectAll('e')
    .select([...versionColumns.filter((c) => c !== 'v.function_id'), 'f.id as version_of', hasDestinations('f.id')])
    .where('e.id', '=', a.id),
);

const claimById = hotStatement((db, a: { id: string; workerId: string; now: number; leaseUntil: number }) =>
  db
    .updateTable('executions')
    .set((eb) => ({ status: 'provisioning', worker_id: a.workerId, lease_until: a.leaseUntil, provisioning_at: a.now, updated_at: a.now, logs: null, logs_truncated: 0, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', a.id)
    .where((eb) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', 'in', ['provisioning', 'running']), eb('lease_until', '<', a.now)])])),
);

const insertExecution = hotStatement((db, row: ExecutionRow) => db.insertInto('executions').values(row));

/**
 * Inserts the execution (the row is known: not read back), queued, or with `claim` already
 * provisioning under that worker's lease (no work message: if the worker dies, the lease runs
 * out and the stall sweeper queues it); a duplicate (function, event) returns the existing one.
 */
async function insertOnce(db: Kysely<Database>, input: NewExecutionInput, now: number, claim?: Pick<ClaimOnCreate, 'workerId' | 'leaseMs'>): Promise<{ execution: Execution; created: boolean }> {
  const row = executionRowOf(input, now, claim);
  try {
    await insertExecution.run(db, row);
    return { execution: toExecution(row), created: true };
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const existing = await db.selectFrom('executions').selectAll().where('function_id', '=', input.functionId).where('event_id', '=', input.event.id).executeTakeFirst();
    if (!existing) throw err;
    return { execution: toExecution(existing), created: false };
  }
}

/** The row of a new execution created at `now`: queued, or with `claim` already provisioning. */
export function executionRowOf(input: NewExecutionInput, now: number, claim?: Pick<ClaimOnCreate, 'workerId' | 'leaseMs'>): ExecutionRow {
  return {
    id: input.id,
    project_id: input.projectId,
    function_id: input.functionId,
    function_name: input.functionName,
    function_version: input.functionVersion,
    event_id: input.event.id,
    event_json: JSON.stringify(input.event),
    status: claim ? 'provisioning' : 'queued',
    attempts: claim ? 1 : 0,
    result_json: null,
    result_bytes: null,
    result_preview: null,
    error_json: null,
    limits_json: JSON.stringify(input.limits),
    placement_json: null,
    peak_memory_bytes: null,
    init_ms: null,
    logs: null,
    logs_truncated: 0,
    worker_id: claim?.workerId ?? null,
    lease_until: claim ? now + claim.leaseMs : null,
    queued_at: now,
    published_at: null,
    provisioning_at: claim ? now : null,
    running_at: null,
    finished_at: null,
    created_at: now,
    updated_at: now,
    request_id: input.requestId ?? null,
    awaited: input.awaited ? 1 : 0,
  };
}

export function toExecution(r: ExecutionRow): Execution {
  return { ...toSummary(r), event: JSON.parse(r.event_json) as CloudEvent, awaited: Number(r.awaited) === 1 };
}

function toSummary(r: SummaryRow): ExecutionSummary {
  return {
    id: r.id,
    projectId: r.project_id,
    functionId: r.function_id,
    functionName: r.function_name,
    functionVersion: r.function_version,
    eventId: r.event_id,
    status: r.status as ExecutionStatus,
    attempts: r.attempts,
    resultBytes: r.result_bytes === null ? null : Number(r.result_bytes),
    resultPreview: r.result_preview,
    error: r.error_json === null ? null : (JSON.parse(r.error_json) as FailureInfo),
    limits: JSON.parse(r.limits_json) as ExecutionLimits,
    placement: r.placement_json === null ? null : (JSON.parse(r.placement_json) as Execution['placement']),
    peakMemoryBytes: r.peak_memory_bytes === null ? null : Number(r.peak_memory_bytes),
    initMs: r.init_ms === null || r.init_ms === undefined ? null : Number(r.init_ms),
    logsTruncated: Boolean(r.logs_truncated),
    queuedAt: Number(r.queued_at),
    provisioningAt: r.provisioning_at === null ? null : Number(r.provisioning_at),
    runningAt: r.running_at === null ? null : Number(r.running_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    requestId: r.request_id,
  };
}

/** The JSON text's first RESULT_PREVIEW_MAX_BYTES bytes, cut back to a whole character. */
function previewOf(json: Buffer): string {
  if (json.length <= RESULT_PREVIEW_MAX_BYTES) return json.toString('utf8');
  let end = RESULT_PREVIEW_MAX_BYTES;
  while (end > 0 && (json[end]! & 0xc0) === 0x80) end--; // json[end] continues a character: cut before it
  return json.subarray(0, end).toString('utf8');
}

type FinishSet = Pick<ExecutionRow, 'status' | 'result_bytes' | 'result_preview' | 'error_json' | 'logs' | 'logs_truncated' | 'peak_memory_bytes' | 'init_ms' | 'finished_at' | 'updated_at'> &
  Partial<Pick<ExecutionRow, 'running_at' | 'placement_json'>>;
type FinishArgs = FinishSet & { id: string; worker_id?: string };

/** finish's UPDATE, one hot statement per shape: with the running mark or not, held by a worker or not. */
const FINISH_UPDATES = [false, true].map((withRunning) => [false, true].map((byWorker) => finishStatement(withRunning, byWorker)));
const finishUpdate = (withRunning: boolean, byWorker: boolean) => FINISH_UPDATES[Number(withRunning)]![Number(byWorker)]!;
function finishStatement(withRunning: boolean, byWorker: boolean) {
  return hotStatement((db, a: FinishArgs) => {
    let q = db
      .updateTable('executions')
      .set({
        status: a.status,
        result_json: null,
        result_bytes: a.result_bytes,
        result_preview: a.result_preview,
        error_json: a.error_json,
        logs: a.logs,
        logs_truncated: a.logs_truncated,
        peak_memory_bytes: a.peak_memory_bytes,
        init_ms: a.init_ms,
        finished_at: a.finished_at,
        updated_at: a.updated_at,
        lease_until: null,
        ...(withRunning ? { running_at: a.running_at, placement_json: a.placement_json } : {}),
      })
      .where('id', '=', a.id)
      .where('status', 'not in', ['succeeded', 'failed', 'timed_out']);
    if (byWorker) q = q.where('worker_id', '=', a.worker_id!);
    return q;
  });
}
