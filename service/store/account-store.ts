/**
 * Projects, accounts and API keys. Secrets are stored as salted HMACs and shown once.
 *
 * `AccountStore` is the service-wide view (authentication, project mirroring, the service
 * admin's project management); `ProjectAccounts` is the project-scoped view tenants reach
 * through `Store.forProject()`.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, AccountRow, ProjectRow } from './schema.js';
import { isUniqueViolation } from './function-store.js';

export type Role = 'admin' | 'member' | 'reader';
export const ROLES: readonly Role[] = ['admin', 'member', 'reader'];

export interface Principal {
  projectId: string;
  projectName: string;
  /** Built-in: the account id; Keystone: the user id. */
  accountId: string;
  accountName: string;
  /** The role within `projectId`. */
  role: Role;
  /**
   * May manage every project (create projects, set quotas). Built-in: an admin account of the
   * admin project (the one created on first start); Keystone: a token with the admin role.
   */
  serviceAdmin: boolean;
  /** How the caller proved who they are. */
  method: 'api_key' | 'keystone';
  /** The API key used (built-in), for the audit trail; null in Keystone mode. */
  keyId: string | null;
}

export interface IssuedKey {
  id: string;
  /** The full key, shown once: `fsk_<id>_<secret>`. */
  key: string;
  expiresAt: number | null;
}

export interface ApiKeyInfo {
  id: string;
  accountId: string;
  accountName: string;
  description: string | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

const KEY_PREFIX = 'fsk_';

export class AccountStore {
  #adminProjectId: string | null = null;

  constructor(private readonly db: Kysely<Database>) {}

  async createProject(name: string, origin: 'builtin' | 'keystone', id: string = randomUUID()): Promise<ProjectRow> {
    const row = { id, name, origin, created_at: Date.now() };
    await this.db.insertInto('projects').values(row).execute();
    return row;
  }

  /** Mirrors a Keystone project on first use; a concurrent mirror of the same id is fine. */
  async ensureProject(id: string, name: string, origin: 'builtin' | 'keystone'): Promise<void> {
    if (await this.projectById(id)) return;
    try {
      await this.createProject(name, origin, id);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
  }

  async projectById(id: string): Promise<ProjectRow | null> {
    return (await this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async projectByName(name: string, origin: 'builtin' | 'keystone'): Promise<ProjectRow | null> {
    return (await this.db.selectFrom('projects').selectAll().where('name', '=', name).where('origin', '=', origin).orderBy('created_at').executeTakeFirst()) ?? null;
  }

  async listProjects(): Promise<ProjectRow[]> {
    return this.db.selectFrom('projects').selectAll().orderBy('name').orderBy('id').execute();
  }

  /**
   * The built-in admin project: the first built-in project, created on first start
   * (bootstrap). Its admin accounts are service admins. It cannot be deleted.
   */
  async adminProjectId(): Promise<string | null> {
    if (this.#adminProjectId) return this.#adminProjectId;
    const row = await this.db.selectFrom('projects').select('id').where('origin', '=', 'builtin').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
    this.#adminProjectId = row?.id ?? null;
    return this.#adminProjectId;
  }

  /** Deletes a project that holds no functions, with its accounts and their keys. False if unknown. */
  async deleteProject(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const accounts = await trx.selectFrom('accounts').select('id').where('project_id', '=', id).execute();
      if (accounts.length > 0) await trx.deleteFrom('api_keys').where('account_id', 'in', accounts.map((a) => a.id)).execute();
      await trx.deleteFrom('accounts').where('project_id', '=', id).execute();
      const r = await trx.deleteFrom('projects').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    });
  }

  async createAccount(projectId: string, name: string, role: Role): Promise<AccountRow> {
    const row = { id: randomUUID(), project_id: projectId, name, role, created_at: Date.now() };
    await this.db.insertInto('accounts').values(row).execute();
    return row;
  }

  async accountById(id: string): Promise<AccountRow | null> {
    return (await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async countAccounts(): Promise<number> {
    const r = await this.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async issueKey(accountId: string, options: { description?: string | null; expiresAt?: number | null } = {}): Promise<IssuedKey> {
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
      .select(['k.secret_hash', 'k.salt', 'k.expires_at', 'k.revoked_at', 'k.last_used_at', 'a.id as account_id', 'a.name as account_name', 'a.role', 'p.id as project_id', 'p.name as project_name'])
      .where('k.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const expected = Buffer.from(row.secret_hash, 'hex');
    const actual = Buffer.from(hash(row.salt, secret), 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    if (row.revoked_at !== null || (row.expires_at !== null && Number(row.expires_at) <= now)) return null;
    // last_used_at is informational: written at most once a minute per key.
    if (row.last_used_at === null || Number(row.last_used_at) < now - 60_000) {
      await this.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
    }
    const role = row.role as Role;
    return {
      projectId: row.project_id,
      projectName: row.project_name,
      accountId: row.account_id,
      accountName: row.account_name,
      role,
      serviceAdmin: role === 'admin' && row.project_id === (await this.adminProjectId()),
      method: 'api_key',
      keyId: id,
    };
  }
}

/** Accounts and keys of one project: every query carries the project id. */
export class ProjectAccounts {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly projectId: string,
  ) {}

  async list(): Promise<AccountRow[]> {
    return this.db.selectFrom('accounts').selectAll().where('project_id', '=', this.projectId).orderBy('name').execute();
  }

  async get(id: string): Promise<AccountRow | null> {
    return (await this.db.selectFrom('accounts').selectAll().where('project_id', '=', this.projectId).where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** null when the name is taken in this project (names are unique per project: another project's names stay unseen). */
  async create(name: string, role: Role): Promise<AccountRow | null> {
    const row = { id: randomUUID(), project_id: this.projectId, name, role, created_at: Date.now() };
    try {
      await this.db.insertInto('accounts').values(row).execute();
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
    return row;
  }

  /** Deletes the account and its keys. */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const a = await trx.selectFrom('accounts').select('id').where('project_id', '=', this.projectId).where('id', '=', id).executeTakeFirst();
      if (!a) return false;
      await trx.deleteFrom('api_keys').where('account_id', '=', a.id).execute();
      await trx.deleteFrom('accounts').where('id', '=', a.id).execute();
      return true;
    });
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', this.projectId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The project's keys, newest first; `accountId` narrows to one account. */
  async keys(accountId?: string): Promise<ApiKeyInfo[]> {
    let q = this.keyQuery();
    if (accountId) q = q.where('a.id', '=', accountId);
    return (await q.orderBy('k.created_at', 'desc').orderBy('k.id').execute()).map(toKeyInfo);
  }

  async key(id: string): Promise<ApiKeyInfo | null> {
    const row = await this.keyQuery().where('k.id', '=', id).executeTakeFirst();
    return row ? toKeyInfo(row) : null;
  }

  /** Marks the key revoked (kept for the audit trail). False if it is not this project's. */
  async revokeKey(id: string, now = Date.now()): Promise<boolean> {
    const key = await this.key(id);
    if (!key) return false;
    if (key.revokedAt === null) await this.db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    return true;
  }

  private keyQuery() {
    return this.db
      .selectFrom('api_keys as k')
      .innerJoin('accounts as a', 'a.id', 'k.account_id')
      .select(['k.id', 'k.account_id', 'a.name as account_name', 'k.description', 'k.created_at', 'k.expires_at', 'k.revoked_at', 'k.last_used_at'])
      .where('a.project_id', '=', this.projectId);
  }
}

function toKeyInfo(r: {
  id: string;
  account_id: string;
  account_name: string;
  description: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}): ApiKeyInfo {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: r.id,
    accountId: r.account_id,
    accountName: r.account_name,
    description: r.description,
    createdAt: Number(r.created_at),
    expiresAt: n(r.expires_at),
    revokedAt: n(r.revoked_at),
    lastUsedAt: n(r.last_used_at),
  };
}

function hash(salt: string, secret: string): string {
  return createHmac('sha256', salt).update(secret).digest('hex');
}
