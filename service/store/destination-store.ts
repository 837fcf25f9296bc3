/** Each function's destinations and what its last outcome delivery did, within one project. */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { hotStatement } from './hot-statement.js';

export interface DestinationsRow {
  functionId: string;
  /** As the API shows it (service/destinations/destination-spec.ts). */
  config: Record<string, unknown>;
  /** Sealed secrets (broker URLs); never shown. */
  sealedSecret: string | null;
  lastDeliveredAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  updatedAt: number;
}

export class DestinationStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly projectId: string,
  ) {}

  async get(functionId: string): Promise<DestinationsRow | null> {
    const r = await destinationsOf.first(this.db, { projectId: this.projectId, functionId });
    if (!r) return null;
    return {
      functionId: r.function_id,
      config: JSON.parse(r.config_json) as Record<string, unknown>,
      sealedSecret: r.sealed_secret,
      lastDeliveredAt: r.last_delivered_at === null ? null : Number(r.last_delivered_at),
      lastError: r.last_error,
      lastErrorAt: r.last_error_at === null ? null : Number(r.last_error_at),
      updatedAt: Number(r.updated_at),
    };
  }

  /** Sets the function's destinations (the delivery record starts over). */
  async put(functionId: string, config: Record<string, unknown>, sealedSecret: string | null = null, now = Date.now()): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('function_destinations').where('project_id', '=', this.projectId).where('function_id', '=', functionId).execute();
      await trx
        .insertInto('function_destinations')
        .values({ function_id: functionId, project_id: this.projectId, config_json: JSON.stringify(config), sealed_secret: sealedSecret, last_delivered_at: null, last_error: null, last_error_at: null, updated_at: now })
        .execute();
    });
  }

  async remove(functionId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('function_destinations').where('project_id', '=', this.projectId).where('function_id', '=', functionId).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** What a delivery did: null error = delivered. */
  async recordDelivery(functionId: string, error: string | null, now = Date.now()): Promise<void> {
    const q = this.db.updateTable('function_destinations').where('project_id', '=', this.projectId).where('function_id', '=', functionId);
    if (error === null) await q.set({ last_delivered_at: now }).execute();
    else await q.set({ last_error: error.slice(0, 2000), last_error_at: now }).execute();
  }
}

const destinationsOf = hotStatement((db, a: { projectId: string; functionId: string }) =>
  db.selectFrom('function_destinations').selectAll().where('project_id', '=', a.projectId).where('function_id', '=', a.functionId),
);
