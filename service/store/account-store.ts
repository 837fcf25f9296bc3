/** Projects, accounts and API keys of the built-in auth mode. Secrets are stored as salted HMACs. */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, AccountRow, ProjectRow } from './schema.js';

export type Role = 'admin' | 'member' | 'reader';

export interface Principal {
  projectId: string;
  projectName: string;
  accountId: string;
  accountName: string;
  role: Role;
}

export interface IssuedKey {
  id: string;
  /** The full key, shown once: `fsk_<id>_<secret>`. */
  key: string;
  expiresAt: number | null;
}

const KEY_PREFIX = 'fsk_';

export class AccountStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createProject(name: string, origin: 'builtin' | 'keystone', id: string = randomUUID()): Promise<ProjectRow> {
    const row = { id, name, origin, created_at: Date.now() };
    await this.db.insertInto('projects').values(row).execute();
    return row;
  }

  async projectById(id: string): Promise<ProjectRow | null> {
    return (await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async createAccount(projectId: string, name: string, role: Role): Promise<AccountRow> {
    const row = { id: randomUUID(), project_id: projectId, name, role, created_at: Date.now() };
    await this.db.insertInto('accounts').values(row).execute();
    return row;
  }

  async accountByName(name: string): Promise<AccountRow | null> {
    return (await this.db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst()) ?? null;
  }

  async countAccounts(): Promise<number> {
    const r = await this.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async issueKey(accountId: string, options: { description?: string; expiresAt?: number | null } = {}): Promise<IssuedKey> {
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(24).toString('base64url');
    const salt = randomBytes(16).toString('hex');
    await this.db
      .insertInto('api_keys')
      .values({
        id,
        account_id: accountId,
        secret_hash: hash(salt, secret),
        salt,
        description: options.description ?? null,
        created_at: Date.now(),
        expires_at: options.expiresAt ?? null,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    return { id, key: `${KEY_PREFIX}${id}_${secret}`, expiresAt: options.expiresAt ?? null };
  }

  /** Resolves an API key to its principal, or null for any key that is unknown, wrong, revoked or expired. */
  async authenticate(key: string, now = Date.now()): Promise<Principal | null> {
    const m = /^fsk_([0-9a-f]{16})_([A-Za-z0-9_-]{20,})$/.exec(key);
    if (!m) return null;
    const [, id, secret] = m as unknown as [string, string, string];
    const row = await this.db
      .selectFrom('api_keys as k')
      .innerJoin('accounts as a', 'a.id', 'k.account_id')
      .innerJoin('projects as p', 'p.id', 'a.project_id')
      .select(['k.secret_hash', 'k.salt', 'k.expires_at', 'k.revoked_at', 'a.id as account_id', 'a.name as account_name', 'a.role', 'p.id as project_id', 'p.name as project_name'])
      .where('k.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const expected = Buffer.from(row.secret_hash, 'hex');
    const actual = Buffer.from(hash(row.salt, secret), 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    if (row.revoked_at !== null || (row.expires_at !== null && Number(row.expires_at) <= now)) return null;
    return { projectId: row.project_id, projectName: row.project_name, accountId: row.account_id, accountName: row.account_name, role: row.role as Role };
  }
}

function hash(salt: string, secret: string): string {
  return createHmac('sha256', salt).update(secret).digest('hex');
}
