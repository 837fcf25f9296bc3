/** Work messages that were given up on, visible to their project. */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface DeadLetter {
  id: string;
  queue: string;
  payload: unknown;
  reason: string;
  attempts: number;
  createdAt: number;
}

export class DeadLetterStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly projectId: string,
  ) {}

  async list(limit: number): Promise<DeadLetter[]> {
    const rows = await this.db.selectFrom('dead_letters').selectAll().where('project_id', '=', this.projectId).orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map(toDeadLetter);
  }

  async get(id: string): Promise<DeadLetter | null> {
    const row = await this.db.selectFrom('dead_letters').selectAll().where('project_id', '=', this.projectId).where('id', '=', id).executeTakeFirst();
    return row ? toDeadLetter(row) : null;
  }

  async remove(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('dead_letters').where('project_id', '=', this.projectId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  /** Records a dead letter (used by queue back ends that keep theirs outside the store, e.g. RabbitMQ). */
  static async record(db: Kysely<Database>, entry: { id: string; projectId: string | null; queue: string; payload: string; reason: string; attempts: number }): Promise<void> {
    await db
      .insertInto('dead_letters')
      .values({ id: entry.id, project_id: entry.projectId, queue: entry.queue, payload: entry.payload, reason: entry.reason, attempts: entry.attempts, created_at: Date.now() })
      .execute();
  }
}

function toDeadLetter(r: { id: string; queue: string; payload: string; reason: string; attempts: number; created_at: number }): DeadLetter {
  let payload: unknown;
  try {
    payload = JSON.parse(r.payload);
  } catch {
    payload = { raw: r.payload };
  }
  return { id: r.id, queue: r.queue, payload, reason: r.reason, attempts: r.attempts, createdAt: Number(r.created_at) };
}
