/** Functions and their immutable versions, always within one project. */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, FunctionVersionRow } from './schema.js';
import type { CodeRef, FnFunction, FunctionSpec, FunctionVersion, CodeFormat, Isolation } from '../model.js';
import { pageOf, type Page } from './paging.js';
import { hotStatement } from './hot-statement.js';

export class FunctionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly projectId: string,
  ) {}

  /** Creates the function with version 1; returns null if the name is taken in this project. */
  async create(name: string, spec: FunctionSpec, code: CodeRef): Promise<FnFunction | null> {
    const now = Date.now();
    const id = randomUUID();
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx.insertInto('functions').values({ id, project_id: this.projectId, name, current_version: 1, created_at: now, updated_at: now }).execute();
        await insertVersion(trx, id, 1, spec, code, now);
      });
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
    return this.get(name);
  }

  async get(name: string): Promise<FnFunction | null> {
    const row = await functionByName.first(this.db, { projectId: this.projectId, name });
    return row ? toFunction(row) : null;
  }

  async list(limit: number, cursor: string | null): Promise<Page<FnFunction>> {
    let q = withCurrentVersion(this.db)
      .where('functions.project_id', '=', this.projectId)
      .orderBy('functions.name')
      .limit(limit + 1);
    if (cursor) q = q.where('functions.name', '>', cursor);
    const rows = await q.execute();
    return pageOf(rows, limit, toFunction, (f) => f.name);
  }

  /** Makes a new version from the current one with the given changes (optimistic: retried on a concurrent update). */
  async update(name: string, spec: FunctionSpec, code: CodeRef): Promise<FnFunction | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const fn = await this.db.selectFrom('functions').select(['id', 'current_version']).where('project_id', '=', this.projectId).where('name', '=', name).executeTakeFirst();
      if (!fn) return null;
      const now = Date.now();
      const version = fn.current_version + 1;
      try {
        await this.db.transaction().execute(async (trx) => {
          await insertVersion(trx, fn.id, version, spec, code, now);
          await trx.updateTable('functions').set({ current_version: version, updated_at: now }).where('id', '=', fn.id).execute();
        });
        return this.get(name);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    throw new Error(`function ${name}: too many concurrent updates`);
  }

  async delete(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const fn = await trx.selectFrom('functions').select('id').where('project_id', '=', this.projectId).where('name', '=', name).executeTakeFirst();
      if (!fn) return false;
      await trx.deleteFrom('function_versions').where('function_id', '=', fn.id).execute();
      await trx.deleteFrom('function_destinations').where('function_id', '=', fn.id).execute();
      await trx.deleteFrom('functions').where('id', '=', fn.id).execute();
      return true;
    });
  }

  async versions(name: string): Promise<FunctionVersion[] | null> {
    const fn = await this.db.selectFrom('functions').select('id').where('project_id', '=', this.projectId).where('name', '=', name).executeTakeFirst();
    if (!fn) return null;
    const rows = await this.db
      .selectFrom('function_versions as v')
      .innerJoin('code_packages as c', 'c.sha256', 'v.code_sha256')
      .select(versionColumns)
      .where('v.function_id', '=', fn.id)
      .orderBy('v.version', 'desc')
      .execute();
    return rows.map(toVersion);
  }

  /** One version of one of this project's functions, by function id (used by the orchestrator). */
  async version(functionId: string, version: number): Promise<FunctionVersion | null> {
    const row = await versionById.first(this.db, { projectId: this.projectId, functionId, version });
    return row ? toVersion(row) : null;
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('functions').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', this.projectId).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

export const versionColumns = [
  'v.function_id',
  'v.version',
  'v.runtime',
  'v.handler',
  'v.memory_mb',
  'v.vcpus',
  'v.disk_gb',
  'v.timeout_s',
  'v.network',
  'v.isolation',
  'v.env_json',
  'v.code_sha256',
  'v.created_at as version_created_at',
  'c.size_bytes as code_size_bytes',
  'c.format as code_format',
  'c.file_name as code_file_name',
] as const;

export type VersionJoin = Omit<FunctionVersionRow, 'created_at'> & {
  version_created_at: number;
  code_size_bytes: number;
  code_format: string;
  code_file_name: string | null;
};

export function toVersion(r: VersionJoin): FunctionVersion {
  return {
    functionId: r.function_id,
    version: r.version,
    runtime: r.runtime,
    handler: r.handler,
    memoryMb: r.memory_mb,
    vcpus: r.vcpus,
    diskGb: r.disk_gb,
    timeoutS: r.timeout_s,
    network: Boolean(r.network),
    isolation: r.isolation as Isolation,
    env: JSON.parse(r.env_json) as Record<string, string>,
    code: { sha256: r.code_sha256, sizeBytes: Number(r.code_size_bytes), format: r.code_format as CodeFormat, fileName: r.code_file_name },
    createdAt: Number(r.version_created_at),
  };
}

function toFunction(r: VersionJoin & { id: string; project_id: string; name: string; current_version: number; created_at: number; updated_at: number; has_destinations: unknown }): FnFunction {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    currentVersion: r.current_version,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    spec: toVersion(r),
    hasDestinations: Number(r.has_destinations) === 1,
  };
}

async function insertVersion(trx: Transaction<Database>, functionId: string, version: number, spec: FunctionSpec, code: CodeRef, now: number): Promise<void> {
  await trx
    .insertInto('function_versions')
    .values({
      function_id: functionId,
      version,
      runtime: spec.runtime,
      handler: spec.handler,
      memory_mb: spec.memoryMb,
      vcpus: spec.vcpus,
      disk_gb: spec.diskGb,
      timeout_s: spec.timeoutS,
      network: spec.network ? 1 : 0,
      isolation: spec.isolation,
      env_json: JSON.stringify(spec.env),
      code_sha256: code.sha256,
      created_at: now,
    })
    .execute();
}

/** SQLite: SQLITE_CONSTRAINT_UNIQUE / PRIMARYKEY; MariaDB: ER_DUP_ENTRY (1062). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number };
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || e?.code === 'ER_DUP_ENTRY' || e?.errno === 1062;
}

/** Functions with their current version, its code package, and whether they have destinations. */
function withCurrentVersion(db: Kysely<Database>) {
  return db
    .selectFrom('functions')
    .innerJoin('function_versions as v', (j) => j.onRef('v.function_id', '=', 'functions.id').onRef('v.version', '=', 'functions.current_version'))
    .innerJoin('code_packages as c', 'c.sha256', 'v.code_sha256')
    .selectAll('functions')
    .select(versionColumns)
    .select(hasDestinations('functions.id'));
}

/**
 * `has_destinations`: 1 when the function `functionId` refers to has outcome destinations, else
 * 0 (a primary-key probe). Read with the function, it spares the outcome's delivery a read of
 * its own when there are none (service/destinations/outcome-delivery.ts).
 */
export function hasDestinations(functionIdColumn: string) {
  return sql<number>`exists (select 1 from function_destinations d where d.function_id = ${sql.ref(functionIdColumn)})`.as('has_destinations');
}

const versionById = hotStatement((db, a: { projectId: string; functionId: string; version: number }) =>
  db
    .selectFrom('function_versions as v')
    .innerJoin('functions as f', 'f.id', 'v.function_id')
    .innerJoin('code_packages as c', 'c.sha256', 'v.code_sha256')
    .select(versionColumns)
    .where('f.project_id', '=', a.projectId)
    .where('v.function_id', '=', a.functionId)
    .where('v.version', '=', a.version),
);

const functionByName = hotStatement((db, a: { projectId: string; name: string }) => withCurrentVersion(db).where('functions.project_id', '=', a.projectId).where('functions.name', '=', a.name));
