/**
 * Triggers and schedule ticks. `TriggerStore` is the project-scoped view tenants reach through
 * `Store.forProject(id).triggers`; `TriggerCatalog` is the service-wide view the listeners use
 * (a webhook's trigger by id, every enabled trigger of a kind, the schedule's tick leases).
 *
 * Secrets never leave through `Trigger`: the webhook secret's hash and the sealed secrets
 * (AES-256-GCM, service/triggers/secret-box.ts) are read only through `secretsOf`/`byIdWithSecrets`.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, TriggersTable } from './schema.js';
import { isUniqueViolation } from './function-store.js';
import { pageOf, type Page } from './paging.js';

export type TriggerKind = 'event' | 'http' | 'amqp' | 'schedule' | 'openstack';
export const TRIGGER_KINDS: readonly TriggerKind[] = ['event', 'http', 'amqp', 'schedule', 'openstack'];

/** Conditions on the CloudEvent; every one given must hold. */
export interface TriggerFilter {
  /** Exact CloudEvent type. */
  type?: string;
  /** Exact CloudEvent source. */
  source?: string;
  /** The CloudEvent subject starts with this. */
  subject_prefix?: string;
  /** `{"a.b": value}`: the event's data.a.b equals value (JSON equality). */
  data?: Record<string, unknown>;
}

export interface Trigger {
  id: string;
  projectId: string;
  name: string;
  functionName: string;
  kind: TriggerKind;
  /** Kind-specific settings without secrets (safe to show). */
  config: Record<string, unknown>;
  filter: TriggerFilter;
  enabled: boolean;
  enabledAt: number;
  lastFiredAt: number | null;
  fireCount: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface TriggerSecrets {
  /** `<salt hex>:<sha256 hex>` of the webhook secret. */
  secretHash: string | null;
  /** Sealed JSON with the kind's secrets (webhook secret for HMAC, tenant broker URL). */
  sealedSecret: string | null;
}

export interface NewTrigger {
  /** Chosen by the caller so that secrets can be sealed with the id as associated data. */
  id: string;
  name: string;
  functionName: string;
  kind: TriggerKind;
  config: Record<string, unknown>;
  filter: TriggerFilter;
  enabled: boolean;
  secrets?: Partial<TriggerSecrets>;
}

export interface TriggerChanges {
  functionName?: string;
  config?: Record<string, unknown>;
  filter?: TriggerFilter;
  enabled?: boolean;
  secrets?: Partial<TriggerSecrets>;
}




type Row = Selectable<TriggersTable>;
const MAX_ERROR_CHARS = 2000;

export class TriggerStore {
  private readonly db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    readonly projectId: string,
  ) {
    this.db = db;
  }

  /** Returns null if the name is taken in this project. */
  async create(t: NewTrigger): Promise<Trigger | null> {
    const now = Date.now();
    try {
      await this.db
        .insertInto('triggers')
        .values({
          id: t.id,
          project_id: this.projectId,
          name: t.name,
          function_name: t.functionName,
          kind: t.kind,
          config_json: JSON.stringify(t.config),
          filter_json: JSON.stringify(t.filter),
          secret_hash: t.secrets?.secretHash ?? null,
          sealed_secret: t.secrets?.sealedSecret ?? null,
          enabled: t.enabled ? 1 : 0,
          enabled_at: now,
          last_fired_at: null,
          fire_count: 0,
          last_error: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
    return this.get(t.name);
  }

  async get(name: string): Promise<Trigger | null> {
    const row = await this.db.selectFrom('triggers').selectAll().where('project_id', '=', this.projectId).where('name', '=', name).executeTakeFirst();
    return row ? toTrigger(row) : null;
  }

  async getById(id: string): Promise<Trigger | null> {
    const row = await this.db.selectFrom('triggers').selectAll().where('project_id', '=', this.projectId).where('id', '=', id).executeTakeFirst();
    return row ? toTrigger(row) : null;
  }

  async list(filter: { functionName?: string; kind?: TriggerKind }, limit: number, cursor: string | null): Promise<Page<Trigger>> {
    let q = this.db.selectFrom('triggers').selectAll().where('project_id', '=', this.projectId).orderBy('name').limit(limit + 1);
    if (filter.functionName) q = q.where('function_name', '=', filter.functionName);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (cursor) q = q.where('name', '>', cursor);
    const rows = await q.execute();
    return pageOf(rows, limit, toTrigger, (t) => t.name);
  }

  /** The project's enabled triggers of the given kinds (the router's candidates). */
  async enabledOfKinds(kinds: readonly TriggerKind[]): Promise<Trigger[]> {
    const rows = await this.db
      .selectFrom('triggers')
      .selectAll()
      .where('project_id', '=', this.projectId)
      .where('enabled', '=', 1)
      .where('kind', 'in', [...kinds])
      .execute();
    return rows.map(toTrigger);
  }

  async update(name: string, changes: TriggerChanges): Promise<Trigger | null> {
    const current = await this.get(name);
    if (!current) return null;
    const now = Date.now();
    await this.db
      .updateTable('triggers')
      .set({
        updated_at: now,
        ...(changes.functionName !== undefined ? { function_name: changes.functionName } : {}),
        ...(changes.config !== undefined ? { config_json: JSON.stringify(changes.config) } : {}),
        ...(changes.filter !== undefined ? { filter_json: JSON.stringify(changes.filter) } : {}),
        ...(changes.enabled !== undefined ? { enabled: changes.enabled ? 1 : 0 } : {}),
        // Re-enabling starts the schedule's catch-up window afresh (disabled ticks are not "missed").
        ...(changes.enabled === true && !current.enabled ? { enabled_at: now } : {}),
        ...(changes.secrets?.secretHash !== undefined ? { secret_hash: changes.secrets.secretHash } : {}),
        ...(changes.secrets?.sealedSecret !== undefined ? { sealed_secret: changes.secrets.sealedSecret } : {}),
      })
      .where('project_id', '=', this.projectId)
      .where('id', '=', current.id)
      .execute();
    return this.get(name);
  }

  async delete(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const t = await trx.selectFrom('triggers').select('id').where('project_id', '=', this.projectId).where('name', '=', name).executeTakeFirst();
      if (!t) return false;
      await trx.deleteFrom('trigger_ticks').where('trigger_id', '=', t.id).execute();
      await trx.deleteFrom('triggers').where('id', '=', t.id).execute();
      return true;
    });
  }

  async secretsOf(id: string): Promise<TriggerSecrets | null> {
    const row = await this.db.selectFrom('triggers').select(['secret_hash', 'sealed_secret']).where('project_id', '=', this.projectId).where('id', '=', id).executeTakeFirst();
    return row ? { secretHash: row.secret_hash, sealedSecret: row.sealed_secret } : null;
  }

  /** Bookkeeping after a fire: success counts it; an error is kept as last_error. */
  async recordFire(id: string, error?: string, at = Date.now()): Promise<void> {
    const q = this.db.updateTable('triggers').where('project_id', '=', this.projectId).where('id', '=', id);
    if (error) await q.set({ last_error: clip(error) }).execute();
    else await q.set((eb) => ({ last_fired_at: at, fire_count: eb('fire_count', '+', 1) })).execute();
  }

  /** A listener's trouble with the trigger's source (e.g. the tenant broker refuses the login). */
  async recordError(id: string, error: string | null): Promise<void> {
    await this.db.updateTable('triggers').set({ last_error: error === null ? null : clip(error) }).where('project_id', '=', this.projectId).where('id', '=', id).execute();
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('triggers').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', this.projectId).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

/** The service-wide view for listeners; never reached from a tenant request except by trigger id (webhooks). */
export class TriggerCatalog {
  private readonly db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  async byIdWithSecrets(id: string): Promise<{ trigger: Trigger; secrets: TriggerSecrets } | null> {
    const row = await this.db.selectFrom('triggers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { trigger: toTrigger(row), secrets: { secretHash: row.secret_hash, sealedSecret: row.sealed_secret } } : null;
  }

  /** Every enabled trigger of a kind, across projects, with its sealed secret. */
  async enabledOfKind(kind: TriggerKind): Promise<Array<{ trigger: Trigger; secrets: TriggerSecrets }>> {
    const rows = await this.db.selectFrom('triggers').selectAll().where('kind', '=', kind).where('enabled', '=', 1).orderBy('id').execute();
    return rows.map((row) => ({ trigger: toTrigger(row), secrets: { secretHash: row.secret_hash, sealedSecret: row.sealed_secret } }));
  }

  /**
   * Changes whenever a trigger of `kind` is created, changed (enabled, disabled, edited) or
   * deleted: one small query, so a listener can check it on every event instead of trusting a
   * cache that may predate a trigger made a moment ago.
   */
  async fingerprint(kind: TriggerKind): Promise<string> {
    const r = await this.db
      .selectFrom('triggers')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max<number>('updated_at').as('u')])
      .where('kind', '=', kind)
      .executeTakeFirst();
    return `${Number(r?.n ?? 0)}:${Number(r?.u ?? 0)}`;
  }

  /** Takes the lease on one tick; false when another process (or an earlier pass) already has it. */
  async claimTick(triggerId: string, tickAt: number, by: string): Promise<boolean> {
    try {
      await this.db.insertInto('trigger_ticks').values({ trigger_id: triggerId, tick_at: tickAt, claimed_by: by, created_at: Date.now() }).execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** Gives a tick back (its event could not be made durable), so that a later pass may fire it. */
  async releaseTick(triggerId: string, tickAt: number, by: string): Promise<void> {
    await this.db.deleteFrom('trigger_ticks').where('trigger_id', '=', triggerId).where('tick_at', '=', tickAt).where('claimed_by', '=', by).execute();
  }

  async lastTick(triggerId: string): Promise<number | null> {
    const r = await this.db.selectFrom('trigger_ticks').select((eb) => eb.fn.max<number>('tick_at').as('t')).where('trigger_id', '=', triggerId).executeTakeFirst();
    return r?.t === null || r?.t === undefined ? null : Number(r.t);
  }

  /** Keeps the tick table small: older leases are no longer needed once a newer tick exists. */
  async pruneTicks(triggerId: string, before: number): Promise<void> {
    await this.db.deleteFrom('trigger_ticks').where('trigger_id', '=', triggerId).where('tick_at', '<', before).execute();
  }

  async ticksOf(triggerId: string): Promise<Array<{ tickAt: number; claimedBy: string }>> {
    const rows = await this.db.selectFrom('trigger_ticks').select(['tick_at', 'claimed_by']).where('trigger_id', '=', triggerId).orderBy('tick_at').execute();
    return rows.map((r) => ({ tickAt: Number(r.tick_at), claimedBy: r.claimed_by }));
  }
}

function clip(s: string): string {
  return s.length > MAX_ERROR_CHARS ? `${s.slice(0, MAX_ERROR_CHARS - 1)}…` : s;
}

function toTrigger(r: Row): Trigger {
  return {
    id: r.id,
    projectId: r.project_id,
    name: r.name,
    functionName: r.function_name,
    kind: r.kind as TriggerKind,
    config: JSON.parse(r.config_json) as Record<string, unknown>,
    filter: JSON.parse(r.filter_json) as TriggerFilter,
    enabled: Boolean(r.enabled),
    enabledAt: Number(r.enabled_at),
    lastFiredAt: r.last_fired_at === null ? null : Number(r.last_fired_at),
    fireCount: Number(r.fire_count),
    lastError: r.last_error,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export const newTriggerId = (): string => randomUUID();
