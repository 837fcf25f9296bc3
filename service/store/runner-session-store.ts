/**
 * Runner sessions (table `runner_sessions`): the openstack provider's record of every
 * server it boots, and the mailbox between the process that waits in env.run() and the
 * service process (any of them) that the runner inside the VM reaches over HTTP.
 *
 *   booting ─hello→ ready ─(assign)→ assigned ─(agent GETs it)→ picked ─started→ started ─outcome→ done
 *   any ─(server being deleted)→ released   (token refused, lease no longer renewed)
 *
 * `booting`/`ready` without an execution is a warm-pool server; taking it sets the
 * execution (a conditional update, so two takers cannot both win). The owner process
 * renews `lease_until` of all its rows; the reaper deletes servers whose row's lease ran out.
 * Tokens are stored as SHA-256 hex only.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, RunnerSessionsTable } from './schema.js';
import type { Assignment, RunOutcome } from '../runner/protocol.js';
import type { CodeRef } from '../model.js';
import { runnerSessionChanges } from './row-changes.js';

export type SessionState = 'booting' | 'ready' | 'assigned' | 'picked' | 'started' | 'done' | 'released';


export interface RunnerSession {
  id: string;
  serverName: string;
  serverId: string | null;
  executionId: string | null;
  poolKey: string | null;
  owner: string;
  state: SessionState;
  assignment: Assignment | null;
  outcome: RunOutcome | null;
  helloAt: number | null;
  pickedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  leaseUntil: number;
  createdAt: number;
}

/** True when the update changed the row; then this process's watchers of it are woken. */
function changedIf(id: string, updated: bigint): boolean {
  if (Number(updated) !== 1) return false;
  runnerSessionChanges.changed(id);
  return true;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class RunnerSessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(s: { id: string; token: string; serverName: string; executionId: string | null; poolKey: string | null; owner: string; leaseMs: number }): Promise<void> {
    const now = Date.now();
    await this.db
      .insertInto('runner_sessions')
      .values({
        id: s.id,
        token_hash: hashToken(s.token),
        server_name: s.serverName,
        server_id: null,
        execution_id: s.executionId,
        pool_key: s.poolKey,
        owner: s.owner,
        state: 'booting',
        assignment_json: null,
        outcome_json: null,
        hello_at: null,
        picked_at: null,
        started_at: null,
        finished_at: null,
        lease_until: now + s.leaseMs,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  async get(id: string): Promise<RunnerSession | null> {
    const row = await this.db.selectFrom('runner_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toSession(row) : null;
  }

  /** The live session holding this token (released ones no longer count). */
  async byToken(token: string): Promise<RunnerSession | null> {
    const row = await this.db.selectFrom('runner_sessions').selectAll().where('token_hash', '=', hashToken(token)).where('state', '!=', 'released').executeTakeFirst();
    return row ? toSession(row) : null;
  }

  async setServer(id: string, serverId: string): Promise<void> {
    await this.db.updateTable('runner_sessions').set({ server_id: serverId, updated_at: Date.now() }).where('id', '=', id).execute();
  }

  /** The runner's first contact: the server is up and its runner is waiting. */
  async hello(id: string): Promise<void> {
    const now = Date.now();
    await this.db.updateTable('runner_sessions').set({ hello_at: now, updated_at: now }).where('id', '=', id).where('hello_at', 'is', null).execute();
    await this.db.updateTable('runner_sessions').set({ state: 'ready' }).where('id', '=', id).where('state', '=', 'booting').execute();
  }

  /** Takes a warm-pool server for an execution; false when someone else took it first. */
  async take(id: string, executionId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('runner_sessions')
      .set({ execution_id: executionId, updated_at: Date.now() })
      .where('id', '=', id)
      .where('execution_id', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async assign(id: string, assignment: Assignment): Promise<void> {
    await this.db
      .updateTable('runner_sessions')
      .set({ state: 'assigned', assignment_json: JSON.stringify(assignment), updated_at: Date.now() })
      .where('id', '=', id)
      .execute();    runnerSessionChanges.changed(id);
  }

  /** Hands the assignment to the runner once; null when there is none (yet) or it was already handed out. */
  async pick(id: string): Promise<Assignment | null> {
    const now = Date.now();
    const r = await this.db
      .updateTable('runner_sessions')
      .set({ state: 'picked', picked_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'assigned')
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return null;
    runnerSessionChanges.changed(id);
    return (await this.get(id))?.assignment ?? null;
  }

  async started(id: string): Promise<boolean> {
    const now = Date.now();
    const r = await this.db
      .updateTable('runner_sessions')
      .set({ state: 'started', started_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', '=', 'picked')
      .executeTakeFirst();
    return changedIf(id, r.numUpdatedRows);
  }

  /** Records the outcome once; false when one is recorded already or nothing was handed out. */
  async finish(id: string, outcome: RunOutcome): Promise<boolean> {
    const now = Date.now();
    const r = await this.db
      .updateTable('runner_sessions')
      .set({ state: 'done', outcome_json: JSON.stringify(outcome), finished_at: now, updated_at: now })
      .where('id', '=', id)
      .where('state', 'in', ['picked', 'started'])
      .executeTakeFirst();
    return changedIf(id, r.numUpdatedRows);
  }

  /** Renews the lease of every row this owner holds, except released ones. */
  async renew(owner: string, leaseMs: number): Promise<void> {
    await this.db.updateTable('runner_sessions').set({ lease_until: Date.now() + leaseMs }).where('owner', '=', owner).where('state', '!=', 'released').execute();
  }

  /**
   * The server is being deleted: the token stops working and the lease is given up at once,
   * so that if this process cannot confirm the deletion, any reaper deletes it again.
   */
  async release(id: string): Promise<void> {
    const now = Date.now();
    await this.db.updateTable('runner_sessions').set({ state: 'released', lease_until: now, updated_at: now }).where('id', '=', id).execute();
    runnerSessionChanges.changed(id);
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('runner_sessions').where('id', '=', id).execute();
  }

  /** Rows that may own one of `serverIds` (by id) or, not yet knowing their server, `serverNames`. */
  async forServers(serverIds: string[], serverNames: string[]): Promise<RunnerSession[]> {
    if (serverIds.length === 0 && serverNames.length === 0) return [];
    const rows = await this.db
      .selectFrom('runner_sessions')
      .selectAll()
      .where((eb) =>
        eb.or([
          ...(serverIds.length > 0 ? [eb('server_id', 'in', serverIds)] : []),
          ...(serverNames.length > 0 ? [eb.and([eb('server_id', 'is', null), eb('server_name', 'in', serverNames)])] : []),
        ]),
      )
      .execute();
    return rows.map(toSession);
  }

  /** Whether an execution is live: not final, and its worker's lease has not run out. */
  async executionLive(executionId: string, now = Date.now()): Promise<boolean> {
    const row = await this.db.selectFrom('executions').select(['status', 'lease_until']).where('id', '=', executionId).executeTakeFirst();
    if (!row) return false;
    if (row.status === 'queued') return true;
    return (row.status === 'provisioning' || row.status === 'running') && row.lease_until !== null && Number(row.lease_until) > now;
  }

  /** The stored code package `sha256` (for the runner's code download). */
  async codePackage(sha256: string): Promise<CodeRef | null> {
    const row = await this.db.selectFrom('code_packages').selectAll().where('sha256', '=', sha256).executeTakeFirst();
    return row ? { sha256: row.sha256, sizeBytes: Number(row.size_bytes), format: row.format as CodeRef['format'], fileName: row.file_name } : null;
  }

  /** Rows whose lease ran out long ago and whose servers the reaper has dealt with. */
  async removeExpired(before: number): Promise<number> {
    const r = await this.db.deleteFrom('runner_sessions').where('lease_until', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function toSession(r: RunnerSessionsTable): RunnerSession {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    serverName: r.server_name,
    serverId: r.server_id,
    executionId: r.execution_id,
    poolKey: r.pool_key,
    owner: r.owner,
    state: r.state as SessionState,
    assignment: r.assignment_json === null ? null : (JSON.parse(r.assignment_json) as Assignment),
    outcome: r.outcome_json === null ? null : (JSON.parse(r.outcome_json) as RunOutcome),
    helloAt: n(r.hello_at),
    pickedAt: n(r.picked_at),
    startedAt: n(r.started_at),
    finishedAt: n(r.finished_at),
    leaseUntil: Number(r.lease_until),
    createdAt: Number(r.created_at),
  };
}
