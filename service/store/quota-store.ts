/**
 * Per-project quota overrides and the usage the quotas are measured against. The defaults
 * live in the configuration (`config.quotas`); a row here overrides some of them for one
 * project (a null column keeps the default).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { createdInLastMinute } from './execution-rate.js';
import { hotStatement } from './hot-statement.js';
import type { QuotaLimits } from '../config.js';


export type QuotaName = keyof QuotaLimits;
export const QUOTA_NAMES: readonly QuotaName[] = ['functions', 'codeBytes', 'concurrentExecutions', 'executionsPerMinute', 'memoryMb'];

/** API / column name of each quota. */
export const QUOTA_FIELD: Record<QuotaName, 'functions' | 'code_bytes' | 'concurrent_executions' | 'executions_per_minute' | 'memory_mb'> = {
  functions: 'functions',
  codeBytes: 'code_bytes',
  concurrentExecutions: 'concurrent_executions',
  executionsPerMinute: 'executions_per_minute',
  memoryMb: 'memory_mb',
};

export type QuotaOverrides = Partial<Record<QuotaName, number>>;

export interface QuotaUsage {
  functions: number;
  codeBytes: number;
  concurrentExecutions: number;
  executionsPerMinute: number;
  /** The largest memory_mb among the current versions of the project's functions. */
  memoryMb: number;
}


/** One project's quotas: every query carries the project id. */
export class QuotaStore {
  private readonly db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly projectId: string,
  ) {
    this.db = db;
  }

  async overrides(): Promise<QuotaOverrides> {
    const row = await quotasOf.first(this.db, { projectId: this.projectId });
    const out: QuotaOverrides = {};
    if (!row) return out;
    for (const name of QUOTA_NAMES) {
      const v = row[QUOTA_FIELD[name]];
      if (v !== null && v !== undefined) out[name] = Number(v);
    }
    return out;
  }

  /** The limits in force: the configured defaults with this project's overrides on top. */
  async limits(defaults: Readonly<QuotaLimits>): Promise<QuotaLimits> {
    return { ...defaults, ...(await this.overrides()) };
  }

  /** Replaces the overrides (an absent quota goes back to the default); {} removes them all. */
  async setOverrides(overrides: QuotaOverrides): Promise<void> {
    const values = {
      functions: overrides.functions ?? null,
      code_bytes: overrides.codeBytes ?? null,
      concurrent_executions: overrides.concurrentExecutions ?? null,
      executions_per_minute: overrides.executionsPerMinute ?? null,
      memory_mb: overrides.memoryMb ?? null,
      updated_at: Date.now(),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('project_quotas').where('project_id', '=', this.projectId).execute();
      if (Object.values(overrides).some((v) => v !== undefined)) await trx.insertInto('project_quotas').values({ project_id: this.projectId, ...values }).execute();
    });
  }

  async functionCount(): Promise<number> {
    const r = await this.db.selectFrom('functions').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', this.projectId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Bytes of the distinct code packages referenced by any version of this project's functions. */
  async codeBytes(): Promise<number> {
    const rows = await this.db
      .selectFrom('function_versions as v')
      .innerJoin('functions as f', 'f.id', 'v.function_id')
      .innerJoin('code_packages as c', 'c.sha256', 'v.code_sha256')
      .select(['c.sha256', 'c.size_bytes'])
      .distinct()
      .where('f.project_id', '=', this.projectId)
      .execute();
    return rows.reduce((sum, r) => sum + Number(r.size_bytes), 0);
  }

  /** Whether some version of this project's functions already uses this package (then it costs nothing more). */
  async usesCode(sha256: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('function_versions as v')
      .innerJoin('functions as f', 'f.id', 'v.function_id')
      .select('v.function_id')
      .where('f.project_id', '=', this.projectId)
      .where('v.code_sha256', '=', sha256)
      .limit(1)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Executions provisioning or running now. */
  async activeExecutions(): Promise<number> {
    return activeOf(this.db, this.projectId);
  }

  /** The concurrency quota and the slots it is measured against, read in one statement (the worker asks before every claim). */
  async concurrency(defaults: Readonly<QuotaLimits>): Promise<{ limit: number; active: number }> {
    return concurrencyOf(this.db, this.projectId, defaults.concurrentExecutions);
  }

  /** Executions created in the minute before `now` (whole seconds: see execution-rate.ts). */
  async executionsInLastMinute(now = Date.now()): Promise<number> {
    return createdInLastMinute(this.db, this.projectId, now);
  }

  async maxMemoryMb(): Promise<number> {
    const r = await this.db
      .selectFrom('functions as f')
      .innerJoin('function_versions as v', (j) => j.onRef('v.function_id', '=', 'f.id').onRef('v.version', '=', 'f.current_version'))
      .select((eb) => eb.fn.max<number>('v.memory_mb').as('m'))
      .where('f.project_id', '=', this.projectId)
      .executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  async usage(now = Date.now()): Promise<QuotaUsage> {
    const [functions, codeBytes, concurrentExecutions, executionsPerMinute, memoryMb] = await Promise.all([
      this.functionCount(),
      this.codeBytes(),
      this.activeExecutions(),
      this.executionsInLastMinute(now),
      this.maxMemoryMb(),
    ]);
    return { functions, codeBytes, concurrentExecutions, executionsPerMinute, memoryMb };
  }
}

const quotasOf = hotStatement((db, a: { projectId: string }) => db.selectFrom('project_quotas').selectAll().where('project_id', '=', a.projectId));

const ACTIVE = ['provisioning', 'running'] as const;

/** Executions of the project provisioning or running (holding a concurrency slot). */
const activeCount = (db: Kysely<Database>, a: { projectId: string }) =>
  db.selectFrom('executions').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', a.projectId).where('status', 'in', ACTIVE);
const countActive = hotStatement(activeCount);

async function activeOf(db: Kysely<Database>, projectId: string): Promise<number> {
  return Number((await countActive.first(db, { projectId }))?.n ?? 0);
}

const activeAndLimit = hotStatement((db, a: { projectId: string }) =>
  db.selectNoFrom((eb) => [
    activeCount(db, a).as('active'),
    eb.selectFrom('project_quotas').select('concurrent_executions').where('project_id', '=', a.projectId).as('concurrent'),
  ]),
);

/** The project's active executions and its concurrency quota (its own, or `defaultLimit`), in one statement. */
export async function concurrencyOf(db: Kysely<Database>, projectId: string, defaultLimit: number): Promise<{ limit: number; active: number }> {
  const row = await activeAndLimit.first(db, { projectId });
  const override = row?.concurrent;
  return { limit: override === null || override === undefined ? defaultLimit : Number(override), active: Number(row?.active ?? 0) };
}
