/**
 * The audit trail: who created, changed or deleted what, and when. Rows are only ever
 * added. Reads are per project (the project's admins read them through GET /v1/audit).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditEventsTable, Database } from './schema.js';
import { decodeTimeCursor, encodeTimeCursor, pageOf, type Page } from './paging.js';


export interface AuditActor {
  kind: 'account' | 'keystone_user' | 'system';
  id: string | null;
  name: string | null;
  projectId: string | null;
  keyId: string | null;
}

export interface AuditEntry {
  action: string;
  resourceType: string;
  resourceId: string | null;
  actor: AuditActor;
  requestId?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditEvent extends Required<AuditEntry> {
  id: string;
  projectId: string;
  at: number;
}

export interface AuditFilter {
  resourceType?: string;
  resourceId?: string;
  action?: string;
}


/** One project's audit trail: every query carries the project id. */
export class AuditStore {
  private readonly db: Kysely<Database>;

  constructor(
    db: Kysely<Database>,
    private readonly projectId: string,
  ) {
    this.db = db;
  }

  async record(entry: AuditEntry, at = Date.now()): Promise<string> {
    const id = sortableId(at);
    await this.db
      .insertInto('audit_events')
      .values({
        id,
        project_id: this.projectId,
        at,
        actor_kind: entry.actor.kind,
        actor_id: entry.actor.id,
        actor_name: entry.actor.name,
        actor_project_id: entry.actor.projectId,
        key_id: entry.actor.keyId,
        action: entry.action,
        resource_type: entry.resourceType,
        resource_id: entry.resourceId,
        request_id: entry.requestId ?? null,
        details_json: entry.details ? JSON.stringify(entry.details) : null,
      })
      .execute();
    return id;
  }

  /** Newest first. */
  async list(filter: AuditFilter, limit: number, cursor: string | null): Promise<Page<AuditEvent>> {
    let q = this.db.selectFrom('audit_events').selectAll().where('project_id', '=', this.projectId);
    if (filter.resourceType) q = q.where('resource_type', '=', filter.resourceType);
    if (filter.resourceId) q = q.where('resource_id', '=', filter.resourceId);
    if (filter.action) q = q.where('action', '=', filter.action);
    if (cursor) {
      const c = decodeTimeCursor(cursor);
      q = q.where((eb) => eb.or([eb('at', '<', c.t), eb.and([eb('at', '=', c.t), eb('id', '<', c.id)])]));
    }
    const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    return pageOf(rows, limit, toEvent, (e) => encodeTimeCursor(e.at, e.id));
  }
}

let sequence = 0;

/**
 * Ids that sort like the events of one process happened (time, then a per-process counter),
 * so that newest-first stays exact for entries of the same millisecond.
 */
function sortableId(at: number): string {
  sequence = (sequence + 1) % 36 ** 4;
  return `${at.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}${randomBytes(6).toString('hex')}`;
}

function toEvent(r: AuditEventsTable): AuditEvent {
  return {
    id: r.id,
    projectId: r.project_id,
    at: Number(r.at),
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    requestId: r.request_id,
    actor: { kind: r.actor_kind as AuditActor['kind'], id: r.actor_id, name: r.actor_name, projectId: r.actor_project_id, keyId: r.key_id },
    details: r.details_json ? (JSON.parse(r.details_json) as Record<string, unknown>) : null,
  };
}
